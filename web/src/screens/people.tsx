// Customers and people (issue 16, CUST-3, CUST-4): GET /v1/people one page at a time, with
// the free-text search sent 250 ms after the last keystroke (q), a role filter (customers
// by default) and, for administrators and supervisors, the deleted people (deleted=true)
// with Enable (POST /v1/people/{id}/enable). Each hit says which of its details matched the
// search: the API answers the records, the UI names the field that holds the words. The
// search, role and deleted filter live in the URL.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, getPage, send, type CustomField, type PersonRecord } from '../api';
import { linkClick, navigate } from '../router';
import { managesPeople, mayChange, type SessionInfo } from '../session';
import { ErrorMessage } from './error';
import { Pager, usePagedList } from './pager';

const DEBOUNCE_MS = 250;
export const ROLES: [string, string][] = [
  ['customer', 'Customers'],
  ['technician', 'Technicians'],
  ['supervisor', 'Supervisors'],
  ['service_level_manager', 'Service level managers'],
  ['account_administrator', 'Administrators'],
  ['partner', 'Partners'],
];

function peoplePath(q: string, role: string, deleted: boolean, cf: string, cv: string): string {
  const params = new URLSearchParams();
  if (q.trim()) params.set('q', q.trim());
  if (role) params.set('role', role);
  if (deleted) params.set('deleted', 'true');
  // CUST-4 advanced search: custom_fields.<key>=value.
  if (cf && cv) params.set(`custom_fields.${cf}`, cv);
  params.set('per_page', '25');
  return `/v1/people?${params}`;
}

/** The detail of p that holds every word of q (CUST-4: any known detail), for the hit. */
export function matchedDetail(p: PersonRecord, q: string): string | null {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return null;
  const details: [string, string | null | undefined][] = [
    ['Name', p.name],
    ['Username', p.username],
    ['Email', p.primary_email],
    ...p.aliases.map((a): [string, string] => ['Alias', a]),
    ['Phone', p.phone],
    ['Mobile', p.mobile],
    ['Organization', p.organization?.name],
    ['City', p.city],
  ];
  for (const [label, value] of details)
    if (value && words.every((w) => value.toLowerCase().includes(w))) return `${label}: ${value}`;
  // Words spread over several details: name those that hold one.
  const parts = details.filter(([, v]) => v && words.some((w) => v.toLowerCase().includes(w)));
  return parts.length ? parts.map(([l, v]) => `${l}: ${v}`).join(' · ') : null;
}

function PersonRow({ p, q, session, onChanged }: { p: PersonRecord; q: string; session: SessionInfo; onChanged: (msg: string) => void }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const match = matchedDetail(p, q);
  const act = async (method: string, path: string, msg: string) => {
    setError(null);
    try {
      await send(method, path);
      onChanged(msg);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
    }
  };
  return (
    <li class="org person" data-testid="person-row">
      <a href={`/people/${p.id}`} onClick={linkClick} class="org-name">
        {p.name}
      </a>
      <span class="org-place">{p.primary_email}</span>
      {p.organization && <span class="org-place">{p.organization.name}</span>}
      {match && (
        <span class="match" data-testid="match">
          {match}
        </span>
      )}
      {!p.roles.includes('customer') && <span class="badge">{p.roles.join(', ').replace(/_/g, ' ')}</span>}
      {p.deleted && <span class="badge">Deleted</span>}
      <span class="row-actions">
        {p.deleted && managesPeople(session) && mayChange(session, p) && (
          <button type="button" class="button secondary small" aria-label={`Enable ${p.name}`} onClick={() => act('POST', `/v1/people/${p.id}/enable`, `${p.name} is enabled again.`)}>
            Enable
          </button>
        )}
        {!p.deleted && p.id !== session.id && mayChange(session, p) && !confirming && (
          <button type="button" class="button secondary small" aria-label={`Delete ${p.name}`} onClick={() => setConfirming(true)}>
            Delete
          </button>
        )}
        {confirming && (
          <>
            <button type="button" class="button danger small" onClick={() => act('DELETE', `/v1/people/${p.id}`, `${p.name} is deleted.`)}>
              Confirm delete of {p.name}
            </button>
            <button type="button" class="button secondary small" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        )}
      </span>
      {error && <ErrorMessage error={error} />}
    </li>
  );
}

export function PeopleScreen({ query, session }: { query: URLSearchParams; session: SessionInfo }) {
  const q = query.get('q') ?? '';
  const role = query.has('role') ? query.get('role') ?? '' : 'customer';
  const deleted = query.get('deleted') === 'true' && managesPeople(session);
  const cf = query.get('cf') ?? '';
  const cv = query.get('cv') ?? '';
  const [text, setText] = useState(q);
  const [status, setStatus] = useState<string | null>(null);
  const [defs, setDefs] = useState<CustomField[]>([]);
  const [cfKey, setCfKey] = useState(cf);
  const [cfValue, setCfValue] = useState(cv);
  const list = usePagedList<PersonRecord>(peoplePath(q, role, deleted, cf, cv));
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    // The account's person custom fields, for the advanced search (one page of 100).
    getPage<CustomField>('/v1/custom_fields?record_type=person&per_page=100')
      .then((p) => setDefs(p.items.filter((d) => d.record_type === 'person')))
      .catch(() => setDefs([]));
  }, []);

  const go = (nq: string, nrole: string, ndeleted: boolean, replace = false, ncf = cf, ncv = cv) => {
    const params = new URLSearchParams();
    if (nq.trim()) params.set('q', nq.trim());
    if (nrole !== 'customer') params.set('role', nrole);
    if (ndeleted) params.set('deleted', 'true');
    if (ncf && ncv.trim()) {
      params.set('cf', ncf);
      params.set('cv', ncv.trim());
    }
    const s = params.toString();
    navigate(`/people${s ? `?${s}` : ''}`, replace);
  };

  useEffect(() => {
    if (q !== text.trim()) setText(q);
  }, [q]);

  useEffect(() => {
    if (text.trim() === q) return;
    const timer = window.setTimeout(() => go(text, role, deleted, true), DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [text]);

  const title = deleted ? 'Deleted people' : role === 'customer' ? 'Customers' : 'People';
  return (
    <main id="main" class="page">
      <div class="title-row">
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        <a class="button" href="/people/new" onClick={linkClick}>
          New customer
        </a>
      </div>
      <div class="toolbar">
        <div class="search">
          <label for="people-search">Search</label>
          <input
            id="people-search"
            type="search"
            autocomplete="off"
            placeholder="Name, username, email, phone, organization…"
            value={text}
            onInput={(e) => setText((e.target as HTMLInputElement).value)}
          />
        </div>
        <div class="field-inline">
          <label for="people-role">Role</label>
          <select id="people-role" value={role} onChange={(e) => go(q, (e.target as HTMLSelectElement).value, deleted)}>
            <option value="">Everyone</option>
            {ROLES.map(([r, l]) => (
              <option key={r} value={r}>
                {l}
              </option>
            ))}
          </select>
        </div>
        {managesPeople(session) && (
          <div class="field check">
            <input id="people-deleted" type="checkbox" checked={deleted} onChange={(e) => go(q, role, (e.target as HTMLInputElement).checked)} />
            <label for="people-deleted">Deleted only</label>
          </div>
        )}
      </div>
      {defs.length > 0 && (
        <details class="advanced" open={cf !== ''}>
          <summary>Advanced search</summary>
          <form
            class="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              go(q, role, deleted, false, cfKey || defs[0].key, cfValue);
            }}
          >
            <div class="field">
              <label for="cf-key">Custom field</label>
              <select id="cf-key" value={cfKey || defs[0].key} onChange={(e) => setCfKey((e.target as HTMLSelectElement).value)}>
                {defs.map((d) => (
                  <option key={d.key} value={d.key}>
                    {d.label}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="cf-value">Value</label>
              <input id="cf-value" value={cfValue} onInput={(e) => setCfValue((e.target as HTMLInputElement).value)} />
            </div>
            <button type="submit" class="button">
              Search by field
            </button>
            {cf && (
              <button
                type="button"
                class="button secondary"
                onClick={() => {
                  setCfValue('');
                  go(q, role, deleted, false, '', '');
                }}
              >
                Clear
              </button>
            )}
          </form>
        </details>
      )}
      <p class="sr-only" role="status" aria-live="polite">
        {list.loading ? 'Loading…' : list.items ? `${list.items.length} people shown` : ''}
      </p>
      {status && (
        <p class="notice" role="status" data-testid="people-status">
          {status}
        </p>
      )}
      {list.error && <ErrorMessage error={list.error} />}
      {list.items && list.items.length === 0 && <p class="empty">No one matches.</p>}
      {list.items && list.items.length > 0 && (
        <ul class="org-list" data-testid="people-list" aria-busy={list.loading}>
          {list.items.map((p) => (
            <PersonRow
              key={p.id}
              p={p}
              q={q}
              session={session}
              onChanged={(msg) => {
                setStatus(msg);
                list.reload();
              }}
            />
          ))}
        </ul>
      )}
      <Pager list={list} />
    </main>
  );
}
