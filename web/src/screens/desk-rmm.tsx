// RMM synchronization (issue 16; RMM-1..6), for administrators, supervisors and service
// level managers: "Load accounts" queues the load (POST /v1/rmm/load) and follows its job
// (GET /v1/rmm/jobs/{id}) until it ends; the RMM organizations as the last load found
// them (GET /v1/rmm/organizations, by name and mapped or not, one page at a time), each
// with its mapping or the proposed organization: map (the proposal or a chosen
// organization), unmap, import the selected ones (at most 100), export organizations to
// the RMM and sync the assets (jobs, followed the same way). Without a connection
// (settings.rmm has no url or token) the screen says so, and the API's 422 is shown too.
import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson, type ApiError } from '../api';
import {
  asApiError,
  listPath,
  rmmExport,
  rmmImport,
  rmmJob,
  rmmLoad,
  rmmMap,
  rmmSync,
  runsRmm,
  usePaged,
  useChoices,
  words,
  type RmmJob,
  type RmmOrganization,
} from '../desk-api';
import { linkClick } from '../router';
import type { SessionInfo } from '../session';
import { ErrorMessage } from './error';
import { FormError, Pager, setParam } from './desk-requests';

const DEBOUNCE_MS = 250;
const POLL_MS = 1000;
const IMPORT_MAX = 100;

interface RmmSettings {
  url?: string | null;
  username?: string | null;
  token_set?: boolean;
}

function jobSummary(job: RmmJob): string {
  if (job.status === 'failed') return `The ${words(job.kind.replace('rmm_', ''))} failed: ${job.error ?? 'no reason given'}`;
  if (job.status !== 'done') return `${words(job.kind.replace('rmm_', ''))}: ${job.status}${job.processed ? `, ${job.processed} processed` : ''}…`;
  const r = job.result ?? {};
  const parts = Object.entries(r)
    .filter(([, n]) => typeof n === 'number')
    .map(([k, n]) => `${words(k)} ${n}`);
  const what = `${r.dry_run ? 'Dry run of the ' : ''}${job.kind.replace('rmm_', '')}`;
  return `${words(what)} done${parts.length ? `: ${parts.join(', ')}` : ''}.`;
}

/** Follows a queued job until it is done or failed, then calls onEnd. */
function useJob(onEnd: (job: RmmJob) => void) {
  const [job, setJob] = useState<RmmJob | null>(null);
  useEffect(() => {
    if (!job || job.status === 'done' || job.status === 'failed') return;
    const timer = window.setTimeout(() => {
      rmmJob(job.id)
        .then((j) => {
          setJob(j);
          if (j.status === 'done' || j.status === 'failed') onEnd(j);
        })
        .catch(() => setJob({ ...job, status: 'failed', error: 'The job could not be read.' }));
    }, POLL_MS);
    return () => window.clearTimeout(timer);
  }, [job]);
  return [job, setJob] as const;
}

function MapControl({ o, onDone }: { o: RmmOrganization; onDone: (msg: string, err?: ApiError) => void }) {
  const [target, setTarget] = useState('');
  const { choices } = useChoices('/v1/organizations?per_page=100');
  const id = `map-${o.id}`;
  return (
    <div class="map-control">
      <label for={id} class="sr-only">
        Organization for {o.name}
      </label>
      <select id={id} value={target} onChange={(e) => setTarget((e.target as HTMLSelectElement).value)}>
        <option value="">Choose an organization…</option>
        {choices.map((c) => (
          <option key={c.id} value={String(c.id)}>
            {c.name}
          </option>
        ))}
      </select>
      <button
        type="button"
        class="button secondary"
        disabled={!target}
        aria-label={`Map ${o.name} to the chosen organization`}
        onClick={() =>
          rmmMap(o.id, Number(target))
            .then(() => onDone(`${o.name} mapped.`))
            .catch((err) => onDone('', asApiError(err)))
        }
      >
        Map
      </button>
    </div>
  );
}

export function RmmScreen({ query, session }: { query: URLSearchParams; session: SessionInfo }) {
  const allowed = runsRmm(session);
  const q = query.get('q') ?? '';
  const mapped = query.get('mapped') ?? '';
  const [text, setText] = useState(q);
  const [settings, setSettings] = useState<RmmSettings | null>(null);
  const list = usePaged<RmmOrganization>(allowed ? listPath('/v1/rmm/organizations', { q, mapped }) : null);
  const [selected, setSelected] = useState<number[]>([]);
  const [exporting, setExporting] = useState<string[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState('');
  const [dryRun, setDryRun] = useState(false);
  const [job, setJob] = useJob((j) => {
    if (j.status === 'done') list.reload();
  });
  const { choices: orgs } = useChoices(allowed ? '/v1/organizations?per_page=100' : null);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    getJson<{ settings?: { rmm?: RmmSettings } }>('/v1/account')
      .then((a) => setSettings(a.settings?.rmm ?? {}))
      .catch(() => setSettings(null));
  }, []);

  useEffect(() => {
    if (text.trim() === q) return;
    const timer = window.setTimeout(() => setParam('/rmm', 'q', text.trim()), DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [text]);

  if (!allowed)
    return (
      <main id="main" class="page">
        <h1>RMM synchronization</h1>
        <p class="error" role="alert" data-testid="api-error">
          You are not allowed to do this. Administrators, supervisors and service level managers synchronize the RMM.
        </p>
      </main>
    );

  const connected = !!(settings && settings.url && settings.token_set);
  const act = async (what: () => Promise<unknown>, message: string) => {
    setDone('');
    try {
      const r = await what();
      setError(null);
      if (r && typeof r === 'object' && 'kind' in (r as object)) setJob(r as RmmJob);
      else {
        setJob(null);
        setDone(message);
        list.reload();
      }
    } catch (err) {
      setError(asApiError(err));
    }
  };
  const mapDone = (msg: string, err?: ApiError) => {
    setJob(null);
    setError(err ?? null);
    setDone(msg);
    if (!err) list.reload();
  };
  const toggle = (id: number, on: boolean) => setSelected(on ? [...selected, id] : selected.filter((x) => x !== id));
  const running = !!job && (job.status === 'queued' || job.status === 'running');

  return (
    <main id="main" class="page">
      <h1 ref={heading} tabIndex={-1}>
        RMM synchronization
      </h1>
      {settings && !connected && (
        <p class="notice" data-testid="rmm-not-configured">
          No RMM connection is configured for this account: loading, exporting and syncing need the RMM's address, user
          name and token in the account settings (settings.rmm), which an account administrator sets.
        </p>
      )}
      <div class="toolbar">
        <button type="button" class="button" disabled={running} onClick={() => act(() => rmmLoad(dryRun), '')}>
          Load accounts
        </button>
        <button type="button" class="button secondary" disabled={running} onClick={() => act(() => rmmSync(dryRun), '')}>
          Sync assets
        </button>
        <label class="check">
          <input type="checkbox" checked={dryRun} onChange={(e) => setDryRun((e.target as HTMLInputElement).checked)} /> Dry run (store nothing,
          list what would change)
        </label>
      </div>
      {error && (error.status === 422 && error.fields.some((f) => f.field.startsWith('settings.rmm')) ? (
        <p class="error" role="alert" data-testid="api-error">
          The RMM cannot be reached from here yet: {error.fields.map((f) => `${f.field} ${f.message}`).join('; ')}. Set the
          RMM connection in the account settings first.
        </p>
      ) : (
        <FormError error={error} shown={[]} />
      ))}
      <p role="status" aria-live="polite" data-testid="rmm-status">
        {job ? jobSummary(job) : done}
      </p>
      {job?.status === 'done' && Array.isArray(job.result?.changes) && (
        <section class="card" aria-labelledby="rmm-changes-title">
          <h2 id="rmm-changes-title">What the dry run would change</h2>
          {(job.result!.changes as Record<string, unknown>[]).length === 0 ? (
            <p class="empty">Nothing.</p>
          ) : (
            <ul class="plain" data-testid="rmm-changes">
              {(job.result!.changes as Record<string, unknown>[]).map((c, i) => (
                <li key={i}>
                  <strong>{words(String(c.change ?? ''))}</strong> {String(c.name ?? c.number ?? c.rmm_id ?? c.agent_id ?? '')}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
      <form class="filters" aria-label="Filter RMM organizations" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="rmm-q">Name</label>
          <input id="rmm-q" type="search" autocomplete="off" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="rmm-mapped">Mapping</label>
          <select id="rmm-mapped" value={mapped} onChange={(e) => setParam('/rmm', 'mapped', (e.target as HTMLSelectElement).value)}>
            <option value="">All</option>
            <option value="true">Mapped</option>
            <option value="false">Not mapped</option>
          </select>
        </div>
      </form>
      {list.error && <ErrorMessage error={list.error} />}
      {list.items && list.items.length === 0 && (
        <p class="empty" data-testid="rmm-empty">
          No RMM organizations{q || mapped ? ' match' : ' loaded yet: "Load accounts" fetches them from the RMM'}.
        </p>
      )}
      {list.items && list.items.length > 0 && (
        <div class="table-wrap">
          <table class="records" data-testid="rmm-list">
            <caption class="sr-only">RMM organizations</caption>
            <thead>
              <tr>
                <th scope="col">Import</th>
                <th scope="col">RMM organization</th>
                <th scope="col">Mapping</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((o) => (
                <tr key={o.id}>
                  <td data-label="Import">
                    {!o.organization && (
                      <input
                        type="checkbox"
                        aria-label={`Select ${o.name} for import`}
                        checked={selected.includes(o.id)}
                        disabled={!selected.includes(o.id) && selected.length >= IMPORT_MAX}
                        onChange={(e) => toggle(o.id, (e.target as HTMLInputElement).checked)}
                      />
                    )}
                  </td>
                  <td data-label="RMM organization">
                    <strong>{o.name}</strong> {o.ref && <span class="muted">({o.ref})</span>}
                    {o.present === false && <span class="badge">Gone from the RMM</span>}
                  </td>
                  <td data-label="Mapping">
                    {o.organization ? (
                      <a href={`/organizations/${o.organization.id}`} onClick={linkClick}>
                        {o.organization.name}
                      </a>
                    ) : o.proposed_organization ? (
                      <span>
                        Proposed: <strong>{o.proposed_organization.name}</strong>
                      </span>
                    ) : (
                      <span class="muted">Not mapped</span>
                    )}
                  </td>
                  <td data-label="Actions">
                    {o.organization ? (
                      <button type="button" class="button secondary" aria-label={`Unmap ${o.name}`} onClick={() => act(() => rmmMap(o.id, null), `${o.name} unmapped.`)}>
                        Unmap
                      </button>
                    ) : (
                      <>
                        {o.proposed_organization && (
                          <button
                            type="button"
                            class="button secondary"
                            aria-label={`Map ${o.name} to ${o.proposed_organization.name}`}
                            onClick={() => act(() => rmmMap(o.id, o.proposed_organization!.id), `${o.name} mapped.`)}
                          >
                            Accept proposal
                          </button>
                        )}
                        <MapControl o={o} onDone={mapDone} />
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager list={list} label="RMM organizations" />
      <section class="card" aria-labelledby="rmm-import-title">
        <h2 id="rmm-import-title">Import</h2>
        <p>
          {selected.length} of at most {IMPORT_MAX} selected: each becomes an organization of this account, mapped to it.
        </p>
        <button
          type="button"
          class="button"
          disabled={!selected.length}
          onClick={() =>
            act(async () => {
              const r = await rmmImport(selected);
              setSelected([]);
              return r;
            }, `${selected.length} imported.`)
          }
        >
          Import selected
        </button>
      </section>
      <section class="card" aria-labelledby="rmm-export-title">
        <h2 id="rmm-export-title">Export</h2>
        <form
          class="stack"
          onSubmit={(e) => {
            e.preventDefault();
            act(() => rmmExport(exporting.map(Number)), '');
          }}
        >
          <div class="field">
            <label for="rmm-export">Organizations to create in the RMM (at most {IMPORT_MAX})</label>
            <select id="rmm-export" multiple size={5} onChange={(e) => setExporting([...(e.target as HTMLSelectElement).selectedOptions].map((o) => o.value).slice(0, IMPORT_MAX))}>
              {orgs.map((c) => (
                <option key={c.id} value={String(c.id)} selected={exporting.includes(String(c.id))}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
          <div>
            <button type="submit" class="button" disabled={!exporting.length || running}>
              Export to the RMM
            </button>
          </div>
        </form>
      </section>
    </main>
  );
}
