// Requests (issue 16; PART-3/4, CUST-9): the list the caller sees (GET /v1/requests) with
// the API's filters in the URL, one page at a time by the Link header; one request with
// its details, notes (add one; internal ones for staff only), time entries (staff and
// partner technicians), the mail's attachments as downloads, the status and escalation
// (staff and partner technicians). A customer sees its own requests and adds notes, and
// is offered nothing else. The small pieces the other desk screens share (pager, filter
// select, field with its API error, details list) live here too.
import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ApiError, FieldError } from '../api';
import {
  addNote,
  addTime,
  asApiError,
  createRequest,
  raisesRequests,
  escalateRequest,
  getRequest,
  isStaff,
  listPath,
  patchRequest,
  REQUEST_STATUSES,
  useChoices,
  usePaged,
  words,
  worksRequests,
  type DeskRequest,
  type Named,
  type Note,
  type Ref,
  type RequestAttachment,
  type TimeEntry,
} from '../desk-api';
import { linkClick, navigate } from '../router';
import type { SessionInfo } from '../session';
import { ErrorMessage } from './error';

// ---- Shared pieces of the desk screens ----

export interface Paging {
  next: () => void;
  previous: () => void;
  hasNext: boolean;
  hasPrevious: boolean;
}

export function Pager({ list, label }: { list: Paging; label: string }) {
  return (
    <nav class="pager" aria-label={`${label} pages`}>
      <button type="button" class="button secondary" onClick={list.previous} disabled={!list.hasPrevious}>
        Previous page
      </button>
      <button type="button" class="button secondary" onClick={list.next} disabled={!list.hasNext}>
        Next page
      </button>
    </nav>
  );
}

/** Sets one query parameter of the current screen's URL (replacing the history entry).
 *  It reads the URL when called, not a render's copy: a debounced search that fires after
 *  another filter changed keeps that filter. */
export function setParam(base: string, name: string, value: string): void {
  const params = new URLSearchParams(window.location.search);
  if (value) params.set(name, value);
  else params.delete(name);
  const s = params.toString();
  navigate(`${base}${s ? `?${s}` : ''}`, true);
}

/** How long typing pauses before a picker searches. */
const SEARCH_DEBOUNCE_MS = 250;

/** A <select> of records from one page of `path` (at most 100), with an "any" choice. For
 *  the lists that grow to thousands (an account's organizations and customers) a search box
 *  above it asks the API for the records matching what is typed (`q`, debounced), so any
 *  of them can be chosen, not only the first 100. */
export function RecordSelect(props: {
  id: string;
  label: string;
  path: string | null;
  value: string;
  onChange: (v: string) => void;
  none?: string;
  invalid?: boolean;
  describedBy?: string;
  /** How a choice is named (default: its name and username). */
  labelOf?: (r: Named & Record<string, unknown>) => string;
  /** The record's current value, named even when it is not among the choices. */
  current?: Ref | null;
}) {
  const search = /^\/v1\/(organizations\?|people\?role=customer&)/.test(props.path ?? '');
  const [typed, setTyped] = useState('');
  const [q, setQ] = useState('');
  useEffect(() => {
    const t = window.setTimeout(() => setQ(typed.trim()), SEARCH_DEBOUNCE_MS);
    return () => window.clearTimeout(t);
  }, [typed]);
  const { choices } = useChoices(props.path && q ? `${props.path}&q=${encodeURIComponent(q)}` : props.path);
  const [picked, setPicked] = useState<Named | null>(null); // named after a later search
  const labelOf = props.labelOf ?? ((c: Named) => `${c.name}${c.username ? ` (${c.username})` : ''}`);
  const kept = props.current && String(props.current.id) === props.value ? props.current : picked && String(picked.id) === props.value ? picked : null;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {search && (
        <input
          type="search"
          id={`${props.id}-search`}
          class="record-search"
          aria-label="Find by name"
          aria-controls={props.id}
          placeholder="Find by name…"
          value={typed}
          onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
        />
      )}
      <select
        id={props.id}
        value={props.value}
        aria-invalid={props.invalid || undefined}
        aria-describedby={props.describedBy}
        onChange={(e) => {
          const v = (e.target as HTMLSelectElement).value;
          setPicked(choices.find((c) => String(c.id) === v) ?? null);
          props.onChange(v);
        }}
      >
        <option value="">{props.none ?? 'Any'}</option>
        {choices.map((c: Named) => (
          <option key={c.id} value={String(c.id)}>
            {labelOf(c as Named & Record<string, unknown>)}
          </option>
        ))}
        {props.value && !choices.some((c) => String(c.id) === props.value) && (
          <option value={props.value}>{kept ? labelOf(kept as Named & Record<string, unknown>) : `#${props.value}`}</option>
        )}
      </select>
    </div>
  );
}

/** A select of fixed values (statuses, types). */
export function ValueSelect(props: {
  id: string;
  label: string;
  values: readonly string[];
  value: string;
  onChange: (v: string) => void;
  none?: string | null;
  invalid?: boolean;
  describedBy?: string;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select
        id={props.id}
        value={props.value}
        aria-invalid={props.invalid || undefined}
        aria-describedby={props.describedBy}
        onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}
      >
        {props.none !== null && <option value="">{props.none ?? 'Any'}</option>}
        {props.values.map((v) => (
          <option key={v} value={v}>
            {words(v)}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The API's errors for one field (`organization` also takes `organization.id`). */
export function errorsFor(err: ApiError | null, field: string): FieldError[] {
  if (!err) return [];
  return err.fields.filter((f) => f.field === field || f.field.startsWith(`${field}.`) || f.field.startsWith(`${field}[`));
}

/** The field errors no field of the form shows, with the message: for the alert above. */
export function FormError({ error, shown }: { error: ApiError | null; shown: string[] }) {
  const ref = useRef<HTMLParagraphElement>(null);
  // Keyboard and screen reader users land on the first field the API named.
  useLayoutEffect(() => {
    const form = ref.current?.closest('form') ?? ref.current?.parentElement;
    const bad = form?.querySelector<HTMLElement>('[aria-invalid="true"]');
    bad?.focus();
  }, [error]);
  if (!error) return null;
  const rest = error.fields.filter((f) => !shown.some((s) => errorsFor(error, s).includes(f)));
  if (error.status === 403 || error.status === 404 || error.status === 0) return <ErrorMessage error={error} />;
  const atFields = error.fields.length > rest.length;
  return (
    <p ref={ref} class="error" role="alert" data-testid="api-error">
      {error.message}
      {rest.length > 0 && `: ${rest.map((f) => `${f.field} ${f.message}`).join('; ')}`}
      {atFields && ' (see the marked field)'}
      {error.status === 412 && '. Someone changed it since you opened it: reload to see their change, then make yours again.'}
    </p>
  );
}

/** The message under a field, tied to it by aria-describedby (`${id}-error`). */
export function FieldMessage({ id, error, field }: { id: string; error: ApiError | null; field: string }) {
  const errs = errorsFor(error, field);
  if (!errs.length) return null;
  return (
    <p id={`${id}-error`} class="field-error" data-testid={`error-${field}`}>
      {errs.map((e) => e.message).join('; ')}
    </p>
  );
}

export function RefLink({ base, r }: { base?: string; r?: Ref | null }) {
  if (!r) return <span class="muted">—</span>;
  return base ? (
    <a href={`${base}/${r.id}`} onClick={linkClick}>
      {r.name ?? `#${r.id}`}
    </a>
  ) : (
    <>{r.name ?? `#${r.id}`}</>
  );
}

export function Details({ rows }: { rows: [string, ComponentChildren][] }) {
  return (
    <dl class="details">
      {rows.map(([k, v]) => (
        <div key={k} class="row">
          <dt>{k}</dt>
          <dd>{v === null || v === undefined || v === '' ? <span class="muted">—</span> : v}</dd>
        </div>
      ))}
    </dl>
  );
}

export function when(t?: string | null): string {
  if (!t) return '';
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? t : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function duration(minutes?: number | null): string {
  if (minutes === null || minutes === undefined) return '';
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h ? `${h} h ${m} min` : `${m} min`;
}

export function Back({ href, label }: { href: string; label: string }) {
  return (
    <p class="back">
      <a href={href} onClick={linkClick}>
        ← {label}
      </a>
    </p>
  );
}

/** Focus the page's heading once its record is shown (the link that opened it is gone). */
export function useHeadingFocus(key: unknown) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (key) heading.current?.focus();
  }, [key]);
  return heading;
}

/** A record page's record (load(id), again when id changes, a late answer for an earlier id
 *  dropped), with the page to show instead while it loads or when it failed (`gate`: the
 *  back link, then "Loading…" or the error under `title`). */
export function useRecordPage<T>(load: (id: number) => Promise<T>, id: number, back: ComponentChildren, title: string) {
  const [record, setRecord] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [tick, setTick] = useState(0); // reload(): read again, the record shown meanwhile
  const shownId = useRef(id);
  useEffect(() => {
    let stale = false;
    if (shownId.current !== id) {
      shownId.current = id;
      setRecord(null);
    }
    setError(null);
    load(id)
      .then((r) => !stale && setRecord(r))
      .catch((err) => !stale && setError(asApiError(err)));
    return () => {
      stale = true;
    };
  }, [id, tick]);
  const gate = error ? (
    <main id="main" class="page">
      {back}
      <h1>{title}</h1>
      <ErrorMessage error={error} />
    </main>
  ) : !record ? (
    <main id="main" class="page" aria-busy="true">
      {back}
      <p role="status">Loading…</p>
    </main>
  ) : null;
  return { record, setRecord, reload: () => setTick((t) => t + 1), gate };
}

// ---- Requests list ----

export function RequestsScreen({ query, session }: { query: URLSearchParams; session: SessionInfo }) {
  const staff = isStaff(session);
  const f = (k: string) => query.get(k) ?? '';
  const filters = { status: f('status'), organization: f('organization'), team: f('team'), assignee: f('assignee'), customer: f('customer') };
  const list = usePaged<DeskRequest>(listPath('/v1/requests', filters));
  const heading = useRef<HTMLHeadingElement>(null);
  const set = (k: string) => (v: string) => setParam('/requests', k, v);
  return (
    <main id="main" class="page">
      <div class="title-row">
        <h1 ref={heading} tabIndex={-1}>
          Requests
        </h1>
        {raisesRequests(session) && (
          <a class="button" href="/requests/new" onClick={linkClick}>
            New request
          </a>
        )}
      </div>
      <form class="filters" aria-label="Filter requests" onSubmit={(e) => e.preventDefault()}>
        <ValueSelect id="req-status" label="Status" values={REQUEST_STATUSES} value={filters.status} onChange={set('status')} />
        {staff && (
          <>
            <RecordSelect id="req-org" label="Organization" path="/v1/organizations?per_page=100" value={filters.organization} onChange={set('organization')} />
            <RecordSelect id="req-team" label="Team" path="/v1/teams?per_page=100" value={filters.team} onChange={set('team')} />
            <RecordSelect id="req-assignee" label="Assignee" path="/v1/people?role=technician&per_page=100" value={filters.assignee} onChange={set('assignee')} />
            <RecordSelect id="req-customer" label="Customer" path="/v1/people?role=customer&per_page=100" value={filters.customer} onChange={set('customer')} />
          </>
        )}
      </form>
      <p class="sr-only" role="status" aria-live="polite">
        {list.loading ? 'Loading…' : list.items ? `${list.items.length} requests shown` : ''}
      </p>
      {list.error && <ErrorMessage error={list.error} />}
      {list.items && list.items.length === 0 && <p class="empty">No requests match.</p>}
      {list.items && list.items.length > 0 && (
        <div class="table-wrap">
          <table class="records" data-testid="request-list">
            <caption class="sr-only">Requests</caption>
            <thead>
              <tr>
                <th scope="col">Ref.</th>
                <th scope="col">Subject</th>
                <th scope="col">Status</th>
                <th scope="col">Customer</th>
                <th scope="col">Assignee</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((r) => (
                <tr key={r.id}>
                  <td data-label="Ref.">{r.id}</td>
                  <td data-label="Subject">
                    <a href={`/requests/${r.id}`} onClick={linkClick} class="record-name">
                      {r.subject}
                    </a>
                  </td>
                  <td data-label="Status">
                    <span class={`badge status-${r.status}`}>{words(r.status)}</span>
                  </td>
                  <td data-label="Customer">{r.customer?.name}</td>
                  <td data-label="Assignee">{r.assignee?.name ?? <span class="muted">Unassigned</span>}</td>
                  <td data-label="Updated">{when(r.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager list={list} label="Requests" />
    </main>
  );
}

// ---- One request ----

function NotesCard({ id, session }: { id: number; session: SessionInfo }) {
  const staff = isStaff(session) || session.roles.includes('partner');
  const notes = usePaged<Note>(`/v1/requests/${id}/notes?per_page=25`);
  const [text, setText] = useState('');
  const [internal, setInternal] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setDone('');
    try {
      await addNote(id, text, internal);
      setText('');
      setInternal(false);
      setError(null);
      setDone('Note added.');
      notes.reload();
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="notes-title">
      <h2 id="notes-title">Notes</h2>
      {notes.error && <ErrorMessage error={notes.error} />}
      {notes.items && notes.items.length === 0 && <p class="empty">No notes yet.</p>}
      {notes.items && notes.items.length > 0 && (
        <ol class="notes" data-testid="notes">
          {notes.items.map((n) => (
            <li key={n.id} class={n.internal ? 'note internal' : 'note'}>
              <p class="note-meta">
                <strong>{n.author?.name}</strong> <span class="muted">{when(n.created_at)}</span>
                {n.internal && <span class="badge">Internal</span>}
              </p>
              <p class="note-text">{n.text}</p>
            </li>
          ))}
        </ol>
      )}
      {(notes.hasNext || notes.hasPrevious) && <Pager list={notes} label="Notes" />}
      <form class="stack" onSubmit={submit} aria-label="Add a note">
        <div class="field">
          <label for="note-text">New note</label>
          <textarea
            id="note-text"
            rows={3}
            required
            maxLength={10000}
            value={text}
            aria-invalid={errorsFor(error, 'text').length > 0 || undefined}
            aria-describedby={errorsFor(error, 'text').length ? 'note-text-error' : undefined}
            onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          />
          <FieldMessage id="note-text" error={error} field="text" />
        </div>
        {staff && (
          <label class="check">
            <input type="checkbox" checked={internal} onChange={(e) => setInternal((e.target as HTMLInputElement).checked)} /> Internal
            (hidden from the customer)
          </label>
        )}
        <FormError error={error} shown={['text']} />
        <div>
          <button type="submit" class="button" disabled={busy || !text.trim()}>
            Add note
          </button>{' '}
          <span role="status" class="muted">
            {done}
          </span>
        </div>
      </form>
    </section>
  );
}

function TimeCard({ id, session, onAdded }: { id: number; session: SessionInfo; onAdded: () => void }) {
  const entries = usePaged<TimeEntry>(`/v1/requests/${id}/time_entries?per_page=25`);
  const mayAdd = worksRequests(session);
  const [minutes, setMinutes] = useState('');
  const [date, setDate] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const body: Record<string, unknown> = { minutes: Number(minutes) };
      if (date) body.date = date;
      if (description.trim()) body.description = description.trim();
      await addTime(id, body);
      setMinutes('');
      setDescription('');
      setError(null);
      entries.reload();
      onAdded();
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  const inv = (f: string) => (errorsFor(error, f).length ? { 'aria-invalid': true, 'aria-describedby': `time-${f}-error` } : {});
  return (
    <section class="card" aria-labelledby="time-title">
      <h2 id="time-title">Time entries</h2>
      {entries.error && <ErrorMessage error={entries.error} />}
      {entries.items && entries.items.length === 0 && <p class="empty">No time recorded.</p>}
      {entries.items && entries.items.length > 0 && (
        <ul class="plain" data-testid="time-entries">
          {entries.items.map((t) => (
            <li key={t.id}>
              <strong>{duration(t.minutes)}</strong> on {t.date} by {t.person?.name}
              {t.description ? ` — ${t.description}` : ''}
              {t.contract && (
                <>
                  {' '}
                  <a href={`/contracts/${t.contract.id}`} onClick={linkClick}>
                    (contract {t.contract.id})
                  </a>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {(entries.hasNext || entries.hasPrevious) && <Pager list={entries} label="Time entries" />}
      {mayAdd && (
        <form class="stack" onSubmit={submit} aria-label="Record time" noValidate>
          <div class="field-row">
            <div class="field">
              <label for="time-minutes">Minutes</label>
              <input id="time-minutes" type="number" min={1} max={1440} required value={minutes} {...inv('minutes')} onInput={(e) => setMinutes((e.target as HTMLInputElement).value)} />
              <FieldMessage id="time-minutes" error={error} field="minutes" />
            </div>
            <div class="field">
              <label for="time-date">Date</label>
              <input id="time-date" type="date" value={date} {...inv('date')} onInput={(e) => setDate((e.target as HTMLInputElement).value)} />
              <FieldMessage id="time-date" error={error} field="date" />
            </div>
          </div>
          <div class="field">
            <label for="time-description">Work done</label>
            <input id="time-description" maxLength={1000} value={description} {...inv('description')} onInput={(e) => setDescription((e.target as HTMLInputElement).value)} />
            <FieldMessage id="time-description" error={error} field="description" />
          </div>
          <FormError error={error} shown={['minutes', 'date', 'description']} />
          <div>
            <button type="submit" class="button" disabled={busy || !minutes}>
              Record time
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

function AttachmentsCard({ id }: { id: number }) {
  const files = usePaged<RequestAttachment>(`/v1/requests/${id}/attachments?per_page=25`);
  return (
    <section class="card" aria-labelledby="files-title">
      <h2 id="files-title">Attachments</h2>
      {files.error && <ErrorMessage error={files.error} />}
      {files.items && files.items.length === 0 && <p class="empty">No attachments.</p>}
      {files.items && files.items.length > 0 && (
        <ul class="attachments" data-testid="attachments">
          {files.items.map((a) => (
            <li key={a.id}>
              <a href={`/v1/attachments/${encodeURIComponent(a.key)}`} download={a.filename}>
                {a.filename}
              </a>{' '}
              <span class="muted">({Math.max(1, Math.round(a.size / 1024))} KB)</span>
            </li>
          ))}
        </ul>
      )}
      {(files.hasNext || files.hasPrevious) && <Pager list={files} label="Attachments" />}
    </section>
  );
}

function WorkCard({ req, session, onChanged }: { req: DeskRequest; session: SessionInfo; onChanged: (r: DeskRequest) => void }) {
  const staff = isStaff(session);
  const initial = () => ({
    status: req.status,
    team: req.team ? String(req.team.id) : '',
    assignee: req.assignee ? String(req.assignee.id) : '',
  });
  const [v, setV] = useState(initial);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => setV(initial()), [req.updated_at, req.status, req.layer, req.assignee?.id, req.team?.id]);
  const was = initial();
  const changed = v.status !== was.status || v.team !== was.team || v.assignee !== was.assignee;
  const run = async (what: () => Promise<DeskRequest | null>, message: string) => {
    setBusy(true);
    setDone('');
    try {
      const r = await what();
      if (r) onChanged(r);
      setError(null);
      setDone(message);
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  const save = () => {
    const body: Record<string, unknown> = {};
    if (v.status !== was.status) body.status = v.status;
    if (v.team !== was.team) body.team = v.team ? { id: Number(v.team) } : null;
    // A new team assigns by its rule unless an assignee is chosen here too.
    if (v.assignee !== was.assignee) body.assignee = v.assignee ? { id: Number(v.assignee) } : null;
    return patchRequest(req.id, body);
  };
  const described = (f: string) => (errorsFor(error, f).length ? `req-set-${f}-error` : undefined);
  return (
    <section class="card" aria-labelledby="work-title">
      <h2 id="work-title">Work on it</h2>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          run(save, 'Saved.');
        }}
      >
        <ValueSelect id="req-set-status" label="Status" values={REQUEST_STATUSES} value={v.status} none={null} onChange={(x) => setV({ ...v, status: x })} invalid={!!described('status')} describedBy={described('status')} />
        <FieldMessage id="req-set-status" error={error} field="status" />
        {staff && (
          <>
            <RecordSelect id="req-set-team" label="Team" none="No team" path="/v1/teams?per_page=100" current={req.team} value={v.team} onChange={(x) => setV({ ...v, team: x })} invalid={!!described('team')} describedBy={described('team')} />
            <FieldMessage id="req-set-team" error={error} field="team" />
            <RecordSelect
              id="req-set-assignee"
              label="Assignee"
              none="Nobody"
              path="/v1/people?role=technician&per_page=100"
              current={req.assignee}
              value={v.assignee}
              onChange={(x) => setV({ ...v, assignee: x })}
              invalid={!!described('assignee')}
              describedBy={described('assignee')}
            />
            <FieldMessage id="req-set-assignee" error={error} field="assignee" />
          </>
        )}
        <div>
          <button type="submit" class="button" disabled={busy || !changed}>
            Save changes
          </button>
        </div>
      </form>
      {req.team && (
        <p>
          <button type="button" class="button secondary" disabled={busy} onClick={() => run(() => escalateRequest(req.id), 'Escalated.')}>
            Escalate to the next layer
          </button>
        </p>
      )}
      <FormError error={error} shown={['status', 'team', 'assignee']} />
      <p role="status" class="muted">
        {done}
      </p>
    </section>
  );
}

export function RequestScreen({ id, session }: { id: number; session: SessionInfo }) {
  const back = <Back href="/requests" label="Requests" />;
  const { record: req, setRecord: setReq, reload: load, gate } = useRecordPage(getRequest, id, back, `Request ${id}`);
  const heading = useHeadingFocus(req?.id);
  if (!req) return gate;
  const staff = isStaff(session);
  return (
    <main id="main" class="page">
      {back}
      <div class="title-row">
        <h1 ref={heading} tabIndex={-1}>
          {req.subject}
        </h1>
        <span class={`badge status-${req.status}`} data-testid="request-status">
          {words(req.status)}
        </span>
      </div>
      <div class="grid">
        <section class="card" aria-labelledby="req-general">
          <h2 id="req-general">Request {req.id}</h2>
          <Details
            rows={[
              ['Customer', staff ? <RefLink r={req.customer} /> : req.customer?.name],
              ['Organization', req.organization ? <RefLink base={staff ? '/organizations' : undefined} r={req.organization} /> : null],
              ['Team', req.team?.name ?? null],
              ['Layer', req.layer ?? null],
              ['Assignee', req.assignee?.name ?? 'Unassigned'],
              ['Item', req.item ? <RefLink base="/items" r={req.item} /> : null],
              ['Time spent', <span data-testid="request-minutes">{duration(req.minutes ?? 0)}</span>],
              ['Raised', when(req.created_at)],
              ['Updated', when(req.updated_at)],
            ]}
          />
          {req.description && <p class="remarks">{req.description}</p>}
        </section>
        {worksRequests(session) && <WorkCard req={req} session={session} onChanged={setReq} />}
        <NotesCard id={req.id} session={session} />
        <TimeCard id={req.id} session={session} onAdded={load} />
        <AttachmentsCard id={req.id} />
      </div>
    </main>
  );
}

// ---- Raising a request ----

const REQUEST_FIELDS = ['subject', 'description', 'customer', 'team', 'assignee', 'item'];

export function RequestFormScreen({ session }: { session: SessionInfo }) {
  const staff = isStaff(session);
  const [v, setV] = useState<Record<string, string>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  if (!raisesRequests(session))
    return (
      <main id="main" class="page">
        <Back href="/requests" label="Requests" />
        <h1>New request</h1>
        <p class="error" role="alert" data-testid="api-error">
          You are not allowed to do this. Staff and customers raise requests; partners work on those routed to them.
        </p>
      </main>
    );
  const bad = (f: string) => (errorsFor(error, f).length ? { 'aria-invalid': true, 'aria-describedby': `request-${f}-error` } : {});
  const pick = (k: string, label: string, path: string, none: string) => (
    <div>
      <RecordSelect
        id={`request-${k}`}
        label={label}
        none={none}
        path={path}
        value={v[k] ?? ''}
        invalid={errorsFor(error, k).length > 0}
        describedBy={errorsFor(error, k).length ? `request-${k}-error` : undefined}
        labelOf={k === 'item' ? (r) => `${r.number as string} ${r.name}` : undefined}
        onChange={(x) => setV({ ...v, [k]: x })}
      />
      <FieldMessage id={`request-${k}`} error={error} field={k} />
    </div>
  );
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const body: Record<string, unknown> = { subject: (v.subject ?? '').trim() };
    if (v.description?.trim()) body.description = v.description.trim();
    for (const k of ['customer', 'team', 'assignee', 'item']) if (v[k]) body[k] = { id: Number(v[k]) };
    try {
      const r = await createRequest(body);
      if (r) navigate(`/requests/${r.id}`);
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="page">
      <Back href="/requests" label="Requests" />
      <h1 ref={heading} tabIndex={-1}>
        New request
      </h1>
      <form class="card stack form" onSubmit={submit} noValidate>
        <FormError error={error} shown={REQUEST_FIELDS} />
        <div class="field">
          <label for="request-subject">Subject</label>
          <input id="request-subject" required maxLength={255} value={v.subject ?? ''} {...bad('subject')} onInput={(e) => setV({ ...v, subject: (e.target as HTMLInputElement).value })} />
          <FieldMessage id="request-subject" error={error} field="subject" />
        </div>
        <div class="field">
          <label for="request-description">Description</label>
          <textarea id="request-description" rows={4} value={v.description ?? ''} {...bad('description')} onInput={(e) => setV({ ...v, description: (e.target as HTMLTextAreaElement).value })} />
          <FieldMessage id="request-description" error={error} field="description" />
        </div>
        <div class="field-row">
          {staff && pick('customer', 'Customer', '/v1/people?role=customer&per_page=100', 'Choose…')}
          {staff && pick('team', 'Team', '/v1/teams?per_page=100', 'None')}
          {staff && pick('assignee', 'Assignee (default: by the team’s rule)', '/v1/people?role=technician&per_page=100', 'By the rule')}
          {pick('item', 'About the item', '/v1/items?per_page=100', 'None')}
        </div>
        <div>
          <button type="submit" class="button" disabled={busy}>
            Raise request
          </button>
        </div>
      </form>
    </main>
  );
}
