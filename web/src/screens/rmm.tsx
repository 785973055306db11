// RMM accounts synchronization (issue 16, RMM-1, RMM-2), for administrators, supervisors and
// service level managers: "Load accounts" queues POST /v1/rmm/load and follows the job
// (GET /v1/rmm/jobs/{id}); the RMM's organizations (GET /v1/rmm/organizations, by name and
// mapped, one page at a time) show their mapping to an organization (the CRM account) or
// the organization of the same name proposed for it, which Map confirms (PATCH with the
// organization; Unmap sends null); unmapped ones can be imported, up to 100 at once
// (POST /v1/rmm/import). The connection itself is an account setting (Account).
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, getJson, send, type Ref } from '../api';
import { linkClick, navigate } from '../router';
import type { SessionInfo } from '../session';
import { AccountNav } from './account';
import { ErrorMessage } from './error';
import { Pager, usePagedList } from './pager';

const DEBOUNCE_MS = 250;
const POLL_MS = 300;

interface RmmOrganization {
  id: number;
  rmm_id: string;
  name: string;
  present?: boolean;
  organization: Ref | null;
  proposed_organization?: Ref | null;
}
interface RmmJob {
  id: number;
  status: 'queued' | 'running' | 'done' | 'failed';
  result?: Record<string, unknown> | null;
  error?: string | null;
}

function toError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(0, String(err));
}

export function RmmScreen({ query, session }: { query: URLSearchParams; session: SessionInfo }) {
  const q = query.get('q') ?? '';
  const mapped = query.get('mapped') ?? '';
  const [text, setText] = useState(q);
  const params = new URLSearchParams();
  if (q) params.set('q', q);
  if (mapped) params.set('mapped', mapped);
  params.set('per_page', '25');
  const list = usePagedList<RmmOrganization>(`/v1/rmm/organizations?${params}`);
  const [job, setJob] = useState<RmmJob | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [selected, setSelected] = useState<number[]>([]);
  const heading = useRef<HTMLHeadingElement>(null);
  const poll = useRef<number | null>(null);

  useEffect(() => {
    heading.current?.focus();
    return () => {
      if (poll.current) window.clearTimeout(poll.current);
    };
  }, []);
  useEffect(() => {
    if (q !== text.trim()) setText(q);
  }, [q]);
  useEffect(() => {
    if (text.trim() === q) return;
    const timer = window.setTimeout(() => go('q', text.trim(), true), DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [text]);

  const go = (name: string, value: string, replace = false) => {
    const p = new URLSearchParams(window.location.search);
    if (value) p.set(name, value);
    else p.delete(name);
    const s = p.toString();
    navigate(`/rmm${s ? `?${s}` : ''}`, replace);
  };

  const follow = (id: number) => {
    getJson<RmmJob>(`/v1/rmm/jobs/${id}`)
      .then((j) => {
        setJob(j);
        if (j.status === 'done' || j.status === 'failed') list.reload();
        else poll.current = window.setTimeout(() => follow(id), POLL_MS);
      })
      .catch((err) => setError(toError(err)));
  };
  const load = async () => {
    setError(null);
    setStatus(null);
    try {
      const queued = await send<RmmJob>('POST', '/v1/rmm/load');
      setJob(queued);
      follow(queued.id);
    } catch (err) {
      setError(toError(err));
    }
  };
  const act = async (fn: () => Promise<unknown>, msg: string) => {
    setError(null);
    setStatus(null);
    try {
      await fn();
      setStatus(msg);
      setSelected([]);
      list.reload();
    } catch (err) {
      setError(toError(err));
    }
  };

  const running = job !== null && (job.status === 'queued' || job.status === 'running');
  const counts = job?.result
    ? ['loaded', 'added', 'updated', 'removed', 'proposed']
        .filter((k) => typeof job.result?.[k] === 'number')
        .map((k) => `${job.result?.[k]} ${k}`)
        .join(', ')
    : '';
  return (
    <main id="main" class="page">
      <AccountNav session={session} />
      <div class="title-row">
        <h1 ref={heading} tabIndex={-1}>
          RMM accounts
        </h1>
        <button type="button" class="button" onClick={load} disabled={running}>
          {running ? 'Loading accounts…' : 'Load accounts'}
        </button>
      </div>
      {job && (
        <p class={job.status === 'failed' ? 'error' : 'notice'} role="status" data-testid="rmm-job">
          {job.status === 'done' ? `Accounts loaded: ${counts}.` : job.status === 'failed' ? `Loading failed: ${job.error ?? ''}` : 'Loading accounts…'}
        </p>
      )}
      {status && (
        <p class="notice" role="status" data-testid="rmm-status">
          {status}
        </p>
      )}
      {error && <ErrorMessage error={error} />}
      <div class="toolbar">
        <div class="search">
          <label for="rmm-search">Name</label>
          <input id="rmm-search" type="search" autocomplete="off" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field-inline">
          <label for="rmm-mapped">Mapping</label>
          <select id="rmm-mapped" value={mapped} onChange={(e) => go('mapped', (e.target as HTMLSelectElement).value)}>
            <option value="">Mapped and unmapped</option>
            <option value="true">Mapped</option>
            <option value="false">Unmapped</option>
          </select>
        </div>
        <button
          type="button"
          class="button secondary"
          disabled={!selected.length}
          onClick={() => act(() => send('POST', '/v1/rmm/import', { rmm_organizations: selected }), `${selected.length} imported as organizations.`)}
        >
          Import selected ({selected.length})
        </button>
      </div>
      {list.error && <ErrorMessage error={list.error} />}
      {list.items && list.items.length === 0 && <p class="empty">No RMM organizations: load the accounts.</p>}
      {list.items && list.items.length > 0 && (
        <ul class="org-list" data-testid="rmm-list">
          {list.items.map((o) => (
            <li key={o.id} class="org" data-testid="rmm-row">
              {!o.organization && (
                <input
                  type="checkbox"
                  id={`rmm-pick-${o.id}`}
                  aria-label={`Select ${o.name} for import`}
                  checked={selected.includes(o.id)}
                  onChange={(e) =>
                    setSelected((s) => ((e.target as HTMLInputElement).checked ? [...s, o.id] : s.filter((x) => x !== o.id)))
                  }
                />
              )}
              <span class="org-name">{o.name}</span>
              <span class="org-place">RMM {o.rmm_id}</span>
              {o.present === false && <span class="badge">Gone from the RMM</span>}
              {o.organization ? (
                <>
                  <span>
                    Mapped to{' '}
                    <a href={`/organizations/${o.organization.id}`} onClick={linkClick}>
                      {o.organization.name}
                    </a>
                  </span>
                  <button
                    type="button"
                    class="button secondary small"
                    aria-label={`Unmap ${o.name}`}
                    onClick={() => act(() => send('PATCH', `/v1/rmm/organizations/${o.id}`, { organization: null }), `${o.name} is unmapped.`)}
                  >
                    Unmap
                  </button>
                </>
              ) : o.proposed_organization ? (
                <button
                  type="button"
                  class="button secondary small"
                  onClick={() =>
                    act(
                      () => send('PATCH', `/v1/rmm/organizations/${o.id}`, { organization: { id: o.proposed_organization!.id } }),
                      `${o.name} is mapped to ${o.proposed_organization!.name}.`,
                    )
                  }
                >
                  Map to {o.proposed_organization.name}
                </button>
              ) : (
                <span class="muted">Not mapped</span>
              )}
            </li>
          ))}
        </ul>
      )}
      <Pager list={list} />
    </main>
  );
}
