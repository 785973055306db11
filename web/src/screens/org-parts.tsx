// The parts of an own organization (issue 16, ORG-5, PART-3), for staff, in tabs below the
// organization page: locations (one of them main), departments with their primary
// contact and, for a partner organization, its customers, organizational units,
// technicians and the requests assigned to them. Each tab is one page of its list.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, getPage, send, type Organization, type PersonRecord, type Ref, type RequestRecord } from '../api';
import { linkClick } from '../router';
import { managesPeople, type SessionInfo } from '../session';
import { ErrorMessage } from './error';
import { SelectField } from './form';
import { Pager, usePagedList } from './pager';
import { ListTab } from './pager';

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

/** PART-2: a partner organization's technicians; supervisors and administrators link a
 *  person with the partner role (PUT .../technicians/{person_id}) and unlink one (DELETE). */
function Technicians({ org, session }: { org: Organization; session: SessionInfo }) {
  const list = usePagedList<PersonRecord>(`/v1/organizations/${org.id}/technicians?per_page=25`);
  const [partners, setPartners] = useState<PersonRecord[]>([]);
  const [pick, setPick] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const manager = managesPeople(session);
  useEffect(() => {
    if (!manager) return;
    getPage<PersonRecord>('/v1/people?role=partner&per_page=100')
      .then((p) => setPartners(p.items))
      .catch(() => setPartners([]));
  }, []);
  const act = async (method: string, p: { id: number; name: string }, msg: string) => {
    setError(null);
    setStatus(null);
    try {
      await send(method, `/v1/organizations/${org.id}/technicians/${p.id}`);
      setStatus(msg);
      setPick('');
      list.reload();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
    }
  };
  const linked = new Set((list.items ?? []).map((p) => p.id));
  const candidates = partners.filter((p) => !linked.has(p.id));
  return (
    <div>
      {status && (
        <p class="notice" role="status" data-testid="technician-status">
          {status}
        </p>
      )}
      {error && <ErrorMessage error={error} />}
      {list.error && <ErrorMessage error={list.error} />}
      {list.items && list.items.length === 0 && <p class="empty">No technicians.</p>}
      {list.items && list.items.length > 0 && (
        <ul class="plain-list" data-testid="partner-technicians">
          {list.items.map((p) => (
            <li key={p.id}>
              <PersonLink p={p} />
              {manager && (
                <button type="button" class="button secondary small" aria-label={`Unlink ${p.name}`} onClick={() => act('DELETE', p, `${p.name} is no longer a technician of ${org.name}.`)}>
                  Unlink
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {(list.next || list.hasPrevious) && <Pager list={list} />}
      {manager && candidates.length > 0 && (
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            const p = candidates.find((c) => String(c.id) === pick);
            if (p) act('PUT', p, `${p.name} is a technician of ${org.name}.`);
          }}
        >
          <SelectField id="link-technician" label="Link a person with the partner role" value={pick} onChange={setPick}>
            <option value="">Choose…</option>
            {candidates.map((p) => (
              <option key={p.id} value={String(p.id)}>
                {p.name}
                {p.partner_organization ? ` (${p.partner_organization.name})` : ''}
              </option>
            ))}
          </SelectField>
          <button type="submit" class="button" disabled={!pick}>
            Link
          </button>
        </form>
      )}
    </div>
  );
}

export function OrgParts({ org, session }: { org: Organization; session: SessionInfo }) {
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
      panel = <Technicians key="technicians" org={org} session={session} />;
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
