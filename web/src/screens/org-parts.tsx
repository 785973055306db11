// The parts of an own organization (issue 16, ORG-5, PART-3), for staff, in tabs below the
// organization page: locations (one of them main), departments with their primary
// contact and, for a partner organization, its customers, organizational units,
// technicians and the requests assigned to them. Each tab is one page of its list.
import { useState } from 'preact/hooks';
import type { Organization, PersonRecord, Ref, RequestRecord } from '../api';
import { linkClick } from '../router';
import { ListTab } from './person';

interface Location {
  id: number;
  name: string;
  main: boolean;
  address_1?: string | null;
  city?: string | null;
  country?: string | null;
}
interface Department {
  id: number;
  name: string;
  primary_contact?: Ref | null;
}

type Tab = 'locations' | 'departments' | 'customers' | 'units' | 'technicians' | 'requests';

function PersonLink({ p }: { p: PersonRecord }) {
  return (
    <>
      <a href={`/people/${p.id}`} onClick={linkClick}>
        {p.name}
      </a>{' '}
      <span class="muted">{p.primary_email}</span>
    </>
  );
}

export function OrgParts({ org }: { org: Organization }) {
  const tabs: [Tab, string][] = [
    ['locations', 'Locations'],
    ['departments', 'Departments'],
    ...(org.partner
      ? ([
          ['customers', 'Customers'],
          ['units', 'Units'],
          ['technicians', 'Technicians'],
          ['requests', 'Requests'],
        ] as [Tab, string][])
      : []),
  ];
  const [current, setCurrent] = useState<Tab>('locations');
  const base = `/v1/organizations/${org.id}`;
  const select = (t: Tab, focus: boolean) => {
    setCurrent(t);
    if (focus) window.setTimeout(() => document.getElementById(`org-tab-${t}`)?.focus(), 0);
  };
  const onKey = (e: KeyboardEvent) => {
    const i = tabs.findIndex(([t]) => t === current);
    let j = -1;
    if (e.key === 'ArrowRight') j = (i + 1) % tabs.length;
    else if (e.key === 'ArrowLeft') j = (i + tabs.length - 1) % tabs.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = tabs.length - 1;
    if (j < 0) return;
    e.preventDefault();
    select(tabs[j][0], true);
  };

  let panel;
  switch (current) {
    case 'departments':
      panel = (
        <ListTab<Department>
          key="departments"
          path={`${base}/departments?per_page=25`}
          empty="No departments."
          testid="departments"
          render={(d) => (
            <>
              <strong>{d.name}</strong>
              {d.primary_contact && <span class="muted">primary contact {d.primary_contact.name}</span>}
            </>
          )}
        />
      );
      break;
    case 'customers':
      panel = <ListTab<PersonRecord> key="customers" path={`${base}/customers?per_page=25`} empty="No customers." testid="partner-customers" render={(p) => <PersonLink p={p} />} />;
      break;
    case 'technicians':
      panel = <ListTab<PersonRecord> key="technicians" path={`${base}/technicians?per_page=25`} empty="No technicians." testid="partner-technicians" render={(p) => <PersonLink p={p} />} />;
      break;
    case 'units':
      panel = (
        <ListTab<Organization>
          key="units"
          path={`${base}/units?per_page=25`}
          empty="No organizational units."
          testid="partner-units"
          render={(o) => (
            <a href={`/organizations/${o.id}`} onClick={linkClick}>
              {o.name}
            </a>
          )}
        />
      );
      break;
    case 'requests':
      panel = (
        <ListTab<RequestRecord>
          key="requests"
          path={`${base}/requests?per_page=25`}
          empty="No requests."
          testid="partner-requests"
          render={(r) => (
            <>
              <strong>{r.subject}</strong> <span class="badge">{r.status.replace(/_/g, ' ')}</span>
              {r.assignee && <span class="muted">{r.assignee.name}</span>}
            </>
          )}
        />
      );
      break;
    default:
      panel = (
        <ListTab<Location>
          key="locations"
          path={`${base}/locations?per_page=25`}
          empty="No locations."
          testid="locations"
          render={(l) => (
            <>
              <strong>{l.name}</strong> {l.main && <span class="badge">Main</span>}
              <span class="muted">{[l.address_1, l.city, l.country].filter(Boolean).join(', ')}</span>
            </>
          )}
        />
      );
  }

  return (
    <section class="org-parts" aria-label="Parts of the organization">
      <div class="tabs" role="tablist" aria-label="Parts of the organization">
        {tabs.map(([t, label]) => (
          <button
            key={t}
            type="button"
            role="tab"
            id={`org-tab-${t}`}
            aria-selected={current === t}
            aria-controls="org-tab-panel"
            tabIndex={current === t ? 0 : -1}
            class="tab"
            onClick={() => select(t, false)}
            onKeyDown={onKey}
          >
            {label}
          </button>
        ))}
      </div>
      <div class="card tab-panel" id="org-tab-panel" role="tabpanel" aria-labelledby={`org-tab-${current}`} tabIndex={0}>
        {panel}
      </div>
    </section>
  );
}
