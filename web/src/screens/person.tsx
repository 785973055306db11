// A person's record (issue 16, CUST-1..8): GET /v1/people/{id} in tabs — details, aliases
// and send-to (CUST-2), items (CUST-7), contracts (CUST-8) and requests, each list one
// page at a time — with the vCard download (CUST-5, any person) and, for staff, Edit,
// "Send login details" (CUST-6, POST /v1/people/{id}/credentials_email), alias changes
// and the send-to choice. /me is the same screen for the signed-in person: what a customer
// sees of itself, without the staff actions.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, customFieldLabels, getTagged, send, type Contract, type Item, type PersonRecord, type RequestRecord } from '../api';
import { linkClick, navigate } from '../router';
import { hasRole, isStaff, managesPeople, mayChange, type SessionInfo } from '../session';
import { ErrorMessage } from './error';
import { ErrorSummary, SelectField, TextField, fieldErrors } from './form';
import { History } from './history';
import { ListTab } from './pager';

const TABS = [
  ['details', 'Details'],
  ['aliases', 'Aliases and send-to'],
  ['items', 'Items'],
  ['contracts', 'Contracts'],
  ['requests', 'Requests'],
  ['history', 'History'],
] as const;
type Tab = (typeof TABS)[number][0];

function toError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(0, String(err));
}

function Details({ p }: { p: PersonRecord }) {
  const [labels, setLabels] = useState<Record<string, string>>({});
  useEffect(() => {
    customFieldLabels('person').then(setLabels);
  }, []);
  const custom: [string, string][] = Object.entries(p.custom_fields ?? {})
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => [labels[k] ?? k, typeof v === 'boolean' ? (v ? 'Yes' : 'No') : String(v)]);
  const rows: [string, string | null | undefined][] = [
    ['Title', p.title],
    ['Username', p.username],
    ['Primary email', p.primary_email],
    ['Send to', p.send_to],
    ['Organization', p.organization?.name],
    ['Line manager', p.line_manager?.name],
    ['Roles', p.roles.join(', ').replace(/_/g, ' ')],
    ['Web access', p.web_access ? 'Yes' : 'No'],
    ['Address', [p.address_1, p.address_2].filter(Boolean).join(', ')],
    ['City', [p.postcode, p.city].filter(Boolean).join(' ')],
    ['State', p.state],
    ['Country', p.country],
    ['Phone', p.phone],
    ['Mobile', p.mobile],
    ['Email locale', p.email_locale],
    ['Time zone', p.time_zone],
    ['Last login', p.last_login_at],
    ['Source', p.source && p.source !== 'manual' ? p.source : null],
    ['Notes', p.notes],
    ...custom,
    ['Created', p.created_at],
  ];
  return (
    <dl class="details">
      {rows
        .filter(([, v]) => v)
        .map(([k, v]) => (
          <div key={k} class="row">
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
    </dl>
  );
}

/** staff: may add and remove aliases (staff routes); sendTo: may choose the send-to
 *  address (staff who may change the person, and a person for itself: ACC-7). */
function Aliases({ p, staff, sendTo: mayPick, onChanged }: { p: PersonRecord; staff: boolean; sendTo: boolean; onChanged: (p: PersonRecord) => void }) {
  const [address, setAddress] = useState('');
  const [sendTo, setSendTo] = useState(p.send_to ?? p.primary_email);
  const [error, setError] = useState<ApiError | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const errs = fieldErrors(error);

  useEffect(() => setSendTo(p.send_to ?? p.primary_email), [p.send_to, p.primary_email]);

  const reload = async (msg: string) => {
    const fresh = await getTagged<PersonRecord>(`/v1/people/${p.id}`);
    onChanged(fresh.body);
    setStatus(msg);
  };
  const add = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setStatus(null);
    try {
      await send('POST', `/v1/people/${p.id}/aliases`, { address: address.trim() });
      setAddress('');
      await reload(`Alias ${address.trim()} added.`);
    } catch (err) {
      setError(toError(err));
    }
  };
  const remove = async (a: string) => {
    setError(null);
    setStatus(null);
    try {
      await send('DELETE', `/v1/people/${p.id}/aliases/${encodeURIComponent(a)}`);
      await reload(`Alias ${a} removed.`);
    } catch (err) {
      setError(toError(err));
    }
  };
  const saveSendTo = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setStatus(null);
    try {
      onChanged(await send<PersonRecord>('PATCH', `/v1/people/${p.id}`, { send_to: sendTo }));
      setStatus(`Mail now goes to ${sendTo}.`);
    } catch (err) {
      setError(toError(err));
    }
  };

  return (
    <div>
      {status && (
        <p class="notice" role="status" data-testid="alias-status">
          {status}
        </p>
      )}
      <ErrorSummary error={error} shown={['address', 'send_to']} />
      <h3>Addresses</h3>
      <ul class="plain-list" data-testid="aliases">
        <li>
          {p.primary_email} <span class="badge">Primary</span>
          {p.send_to === p.primary_email && <span class="badge">Send-to</span>}
        </li>
        {p.aliases.map((a) => (
          <li key={a}>
            {a} {p.send_to === a && <span class="badge">Send-to</span>}
            {staff && (
              <button type="button" class="button secondary small" aria-label={`Remove alias ${a}`} onClick={() => remove(a)}>
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      {staff && (
        <form class="inline-form" onSubmit={add}>
          <TextField id="address" label="New alias" type="email" value={address} onInput={setAddress} error={errs.address} required maxLength={254} />
          <button type="submit" class="button">
            Add alias
          </button>
        </form>
      )}
      {mayPick && p.aliases.length > 0 && (
        <form class="inline-form" onSubmit={saveSendTo}>
          <SelectField id="send_to" label="Send mail to" value={sendTo} onChange={setSendTo} error={errs.send_to}>
            {[p.primary_email, ...p.aliases].map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </SelectField>
          <button type="submit" class="button">
            Set send-to
          </button>
        </form>
      )}
    </div>
  );
}

export function PersonScreen({ id, session, tab }: { id: number; session: SessionInfo; tab: string | null }) {
  const [p, setP] = useState<PersonRecord | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const self = window.location.pathname === '/me';
  const staff = isStaff(session);
  // Items and contracts are for staff and customers (the API refuses partners).
  // The history (audit trail) is for staff, as the API.
  const tabs = TABS.filter(([t]) => (staff || t !== 'history') && (staff || hasRole(session, 'customer') || (t !== 'items' && t !== 'contracts')));
  const current: Tab = (tabs.find(([t]) => t === tab)?.[0] ?? 'details') as Tab;

  useEffect(() => {
    let stale = false;
    setP(null);
    setError(null);
    getTagged<PersonRecord>(`/v1/people/${id}`)
      .then((r) => !stale && setP(r.body))
      .catch((err) => !stale && setError(toError(err)));
    return () => {
      stale = true;
    };
  }, [id]);
  useEffect(() => {
    if (p) heading.current?.focus();
  }, [p?.id]);

  const base = self ? '/me' : `/people/${id}`;
  const selectTab = (t: Tab, focus = false) => {
    navigate(t === 'details' ? base : `${base}?tab=${t}`, true);
    if (focus) window.setTimeout(() => document.getElementById(`tab-${t}`)?.focus(), 0);
  };
  const onTabKey = (e: KeyboardEvent) => {
    const i = tabs.findIndex(([t]) => t === current);
    let j = -1;
    if (e.key === 'ArrowRight') j = (i + 1) % tabs.length;
    else if (e.key === 'ArrowLeft') j = (i + tabs.length - 1) % tabs.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = tabs.length - 1;
    if (j < 0) return;
    e.preventDefault();
    selectTab(tabs[j][0], true);
  };

  const mailCredentials = async () => {
    setActionError(null);
    setStatus(null);
    try {
      await send('POST', `/v1/people/${id}/credentials_email`, {});
      setStatus('The login details are on their way (mail queue).');
    } catch (err) {
      setActionError(toError(err));
    }
  };
  const enable = async () => {
    setActionError(null);
    try {
      setP(await send<PersonRecord>('POST', `/v1/people/${id}/enable`));
      setStatus('Enabled again.');
    } catch (err) {
      setActionError(toError(err));
    }
  };

  const back = staff ? (
    <p class="back">
      <a href="/people" onClick={linkClick}>
        ← People
      </a>
    </p>
  ) : null;
  if (error)
    return (
      <main id="main" class="page">
        {back}
        <h1>{self ? 'My details' : 'Person'}</h1>
        <ErrorMessage error={error} />
      </main>
    );
  if (!p)
    return (
      <main id="main" class="page" aria-busy="true">
        {back}
        <p role="status">Loading…</p>
      </main>
    );

  const panel = (() => {
    switch (current) {
      case 'aliases':
        return <Aliases p={p} staff={staff && mayChange(session, p)} sendTo={self || (staff && mayChange(session, p))} onChanged={setP} />;
      case 'items':
        return (
          <ListTab<Item>
            key="Item"
            path={`/v1/people/${id}/items?per_page=25`}
            empty="No items."
            testid="items"
            render={(it) => (
              <>
                <strong>{it.name}</strong> {it.number && <span class="muted">{it.number}</span>} {it.relation && <span class="badge">{it.relation}</span>}{' '}
                {it.status && <span class="muted">{it.status.replace(/_/g, ' ')}</span>}
              </>
            )}
          />
        );
      case 'contracts':
        return (
          <ListTab<Contract>
            key="Contract"
            path={`/v1/contracts?customer=${id}&per_page=25`}
            empty="No contracts."
            testid="contracts"
            render={(c) => (
              <>
                <strong>{c.sla?.name ?? `Contract ${c.id}`}</strong> <span class="badge">{c.status}</span>{' '}
                <span class="muted">
                  {c.type.replace(/_/g, ' ')}, from {c.start_date ?? '—'}
                  {c.end_date ? ` to ${c.end_date}` : ''}
                  {c.allowance_minutes != null ? `, ${Math.round((c.used_minutes ?? 0) / 60)} of ${Math.round(c.allowance_minutes / 60)} hours used` : ''}
                </span>
              </>
            )}
          />
        );
      case 'requests':
        return (
          <ListTab<RequestRecord>
            key="RequestRecord"
            path={`/v1/requests?customer=${id}&per_page=25`}
            empty="No requests."
            testid="requests"
            render={(r) => (
              <>
                <strong>{r.subject}</strong> <span class="badge">{r.status.replace(/_/g, ' ')}</span>{' '}
                <span class="muted">
                  {r.team?.name}
                  {r.assignee ? `, ${r.assignee.name}` : ''}
                </span>
              </>
            )}
          />
        );
      case 'history':
        return <History type="person" id={id} />;
      default:
        return <Details p={p} />;
    }
  })();

  return (
    <main id="main" class="page">
      {back}
      <div class="title-row">
        <h1 ref={heading} tabIndex={-1}>
          {self ? `My details: ${p.name}` : p.name}
        </h1>
        {p.deleted && <span class="badge">Deleted</span>}
      </div>
      <div class="actions" role="group" aria-label="Actions">
        <a class="button secondary" href={`/v1/people/${id}/vcard`} download={`${p.username}.vcf`} data-testid="vcard">
          Download vCard
        </a>
        {self && (
          <a class="button secondary" href="/me/edit" onClick={linkClick}>
            Edit my details
          </a>
        )}
        {staff && !self && mayChange(session, p) && (
          <>
            <a class="button secondary" href={`/people/${id}/edit`} onClick={linkClick}>
              Edit
            </a>
            <button type="button" class="button secondary" onClick={mailCredentials}>
              Send login details
            </button>
            {p.deleted && managesPeople(session) && (
              <button type="button" class="button secondary" onClick={enable}>
                Enable
              </button>
            )}
          </>
        )}
      </div>
      {status && (
        <p class="notice" role="status">
          {status}
        </p>
      )}
      {actionError && <ErrorMessage error={actionError} />}
      <div class="tabs" role="tablist" aria-label="Record">
        {tabs.map(([t, label]) => (
          <button
            key={t}
            type="button"
            role="tab"
            id={`tab-${t}`}
            aria-selected={current === t}
            aria-controls="tab-panel"
            tabIndex={current === t ? 0 : -1}
            class="tab"
            onClick={() => selectTab(t)}
            onKeyDown={onTabKey}
          >
            {label}
          </button>
        ))}
      </div>
      <section class="card tab-panel" id="tab-panel" role="tabpanel" aria-labelledby={`tab-${current}`} tabIndex={0}>
        {panel}
      </section>
    </main>
  );
}
