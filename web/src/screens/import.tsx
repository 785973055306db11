// The import wizard (issue 16, IMP-1..5): choose a CSV file (and get the template), map its
// columns to the import's targets — pre-filled from the header row by the template's
// column and target names (GET /v1/imports/templates/people.csv?describe=true) — then a
// dry run (IMP-4) with its per-row report, then the import itself, both with live
// progress (GET /v1/imports/{id} polled until done) and the rows by line, failed ones
// first. Only the first 64 KB of the file are read in the browser (header and a sample
// row); the file itself goes to POST /v1/imports as text/csv, unread.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, getJson, send, type ImportColumn, type ImportJob, type ImportRow } from '../api';
import { ErrorMessage } from './error';
import { CheckField, SelectField } from './form';
import { Pager, usePagedList } from './pager';

const POLL_MS = 250;

/** Lower-case letters and digits up to a '(' (the server's own normalization). */
function norm(s: string): string {
  return s.split('(')[0].toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** The first two records of a CSV text (quotes, doubled quotes, CRLF), by separator. */
export function firstRecords(text: string, sep: string): string[][] {
  const out: string[][] = [];
  let rec: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length && out.length < 2; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === sep) {
      rec.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      rec.push(field);
      out.push(rec);
      rec = [];
      field = '';
    } else field += c;
  }
  if (out.length < 2 && (field || rec.length)) {
    rec.push(field);
    out.push(rec);
  }
  return out;
}

function separatorOf(line: string): string {
  const counts = [',', ';', '\t', '|'].map((s) => [s, line.split(s).length - 1] as const);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0][1] > 0 ? counts[0][0] : ',';
}

const SEP_NAMES: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };

function prefill(header: string[], columns: ImportColumn[]): string[] {
  return header.map((h) => {
    const k = norm(h);
    const hit = k ? columns.find((c) => norm(c.column) === k || norm(c.target) === k) : undefined;
    return hit ? hit.target : '';
  });
}

function toError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(0, String(err));
}

/** " (N of them unchanged)" after the updated count, when some updates changed nothing. */
function unchangedNote(job: ImportJob): string {
  return job.unchanged ? ` (${job.unchanged} of them unchanged)` : '';
}

function Report({ job }: { job: ImportJob }) {
  const [filter, setFilter] = useState(job.failed > 0 ? 'failed' : '');
  const list = usePagedList<ImportRow & { id: number }>(`/v1/imports/${job.id}/rows?per_page=25${filter ? `&result=${filter}` : ''}`);
  return (
    <section class="card" aria-labelledby="rows-title">
      <h2 id="rows-title">{job.dry_run ? 'Dry run: what the import would do' : 'Rows'}</h2>
      <SelectField id="row-filter" label="Show rows" value={filter} onChange={setFilter}>
        <option value="">All rows</option>
        <option value="failed">Failed</option>
        <option value="created">Created</option>
        <option value="updated">Updated</option>
      </SelectField>
      {list.error && <ErrorMessage error={list.error} />}
      {list.items && list.items.length === 0 && <p class="empty">No rows.</p>}
      {list.items && list.items.length > 0 && (
        <div class="table-wrap">
          <table class="rows stack-narrow" data-testid="import-rows">
            <thead>
              <tr>
                <th scope="col">Line</th>
                <th scope="col">Result</th>
                <th scope="col">Username</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((r) => (
                <tr key={r.line} class={r.result === 'failed' ? 'failed' : undefined}>
                  <td data-label="Line">{r.line}</td>
                  <td data-label="Result">{r.unchanged ? 'updated (unchanged)' : r.result}</td>
                  <td data-label="Username">{r.username ?? ''}</td>
                  <td data-label="Details">
                    {r.errors.map((e, i) => (
                      <div key={i}>
                        {e.column ? `${e.column}: ` : ''}
                        {e.message}
                      </div>
                    ))}
                    {r.changes && (
                      <span class="muted">
                        {Object.keys(r.changes)
                          .filter((k) => !['source', 'deleted', 'roles', 'default_portal'].includes(k))
                          .join(', ')}
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager list={list} label="Pages of rows" />
    </section>
  );
}

/** IMP-3: the account's imports, oldest first (GET /v1/imports, one page), each opening
 *  its report. */
function EarlierImports({ onOpen }: { onOpen: (j: ImportJob) => void }) {
  const list = usePagedList<ImportJob & { created_at?: string }>('/v1/imports?per_page=25');
  return (
    <section class="card" aria-labelledby="earlier-title">
      <h2 id="earlier-title">Imports</h2>
      {list.error && <ErrorMessage error={list.error} />}
      {list.items && list.items.length === 0 && <p class="empty">No imports yet.</p>}
      {list.items && list.items.length > 0 && (
        <ul class="plain-list" data-testid="imports">
          {list.items.map((j) => (
            <li key={j.id}>
              <button type="button" class="button secondary small" onClick={() => onOpen(j)} aria-label={`Report of import ${j.id}`}>
                Report
              </button>
              <span>
                Import {j.id}
                {j.dry_run ? ' (dry run)' : ''}: {j.status}, {j.rows} rows, {j.created} created, {j.updated} updated{unchangedNote(j)}, {j.failed} failed
              </span>
              {j.created_at && <span class="muted">{j.created_at.replace('T', ' ').slice(0, 16)}</span>}
            </li>
          ))}
        </ul>
      )}
      {(list.next || list.hasPrevious) && <Pager list={list} label="Pages of imports" />}
    </section>
  );
}

export function ImportScreen() {
  const [columns, setColumns] = useState<ImportColumn[]>([]);
  const [file, setFile] = useState<File | null>(null);
  const [header, setHeader] = useState<string[]>([]);
  const [sample, setSample] = useState<string[]>([]);
  const [sep, setSep] = useState(',');
  const [mapping, setMapping] = useState<string[]>([]);
  const [ignoreFirst, setIgnoreFirst] = useState(true);
  const [webAccess, setWebAccess] = useState(false);
  const [job, setJob] = useState<ImportJob | null>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const poll = useRef<number | null>(null);

  useEffect(() => {
    heading.current?.focus();
    getJson<{ columns: ImportColumn[] }>('/v1/imports/templates/people.csv?describe=true')
      .then((d) => setColumns(d.columns))
      .catch((err) => setError(toError(err)));
    return () => {
      if (poll.current) window.clearTimeout(poll.current);
    };
  }, []);

  useEffect(() => {
    // Without a header row there is nothing to go by: every column starts as not imported.
    if (header.length && columns.length) setMapping(ignoreFirst ? prefill(header, columns) : header.map(() => ''));
  }, [header, columns, ignoreFirst]);

  const choose = async (e: Event) => {
    const f = (e.target as HTMLInputElement).files?.[0] ?? null;
    setFile(f);
    setJob(null);
    setError(null);
    if (!f) return;
    const head = await f.slice(0, 65536).text();
    const s = separatorOf(head.split(/\r?\n/, 1)[0] ?? '');
    const recs = firstRecords(head, s);
    setSep(s);
    setHeader(recs[0] ?? []);
    setSample(recs[1] ?? []);
  };

  const track = (id: number) => {
    getJson<ImportJob>(`/v1/imports/${id}`)
      .then((j) => {
        setJob(j);
        if (j.status === 'done' || j.status === 'failed') setRunning(false);
        else poll.current = window.setTimeout(() => track(id), POLL_MS);
      })
      .catch((err) => {
        setError(toError(err));
        setRunning(false);
      });
  };

  const start = async (dryRun: boolean) => {
    if (!file) return;
    setError(null);
    setJob(null);
    setRunning(true);
    const m: Record<string, string | null> = {};
    mapping.forEach((t, i) => (m[String(i)] = t || null));
    const params = new URLSearchParams({
      type: 'people',
      ignore_first_line: String(ignoreFirst),
      web_access: String(webAccess),
      dry_run: String(dryRun),
      separator: SEP_NAMES[sep] ?? 'comma',
      mapping: JSON.stringify(m),
    });
    try {
      const queued = await send<ImportJob>('POST', `/v1/imports?${params}`, undefined, { raw: { data: file, type: 'text/csv' } });
      track(queued.id);
    } catch (err) {
      setError(toError(err));
      setRunning(false);
    }
  };

  const done = job && (job.status === 'done' || job.status === 'failed');
  if (error && error.status === 403 && !columns.length)
    return (
      <main id="main" class="page">
        <h1 ref={heading} tabIndex={-1}>
          Import customers
        </h1>
        <ErrorMessage error={error} />
      </main>
    );
  return (
    <main id="main" class="page">
      <h1 ref={heading} tabIndex={-1}>
        Import customers
      </h1>
      <section class="card form" aria-labelledby="file-title">
        <h2 id="file-title">1. The file</h2>
        <p>
          <a href="/v1/imports/templates/people.csv" download="people.csv" data-testid="template">
            Download the template (CSV with every column)
          </a>
        </p>
        <label for="import-file">CSV file</label>
        <input id="import-file" type="file" accept=".csv,text/csv" onChange={choose} />
        <CheckField id="ignore-first" label="The first line is a header" checked={ignoreFirst} onChange={setIgnoreFirst} />
        <CheckField id="web-access" label="Web access for the imported customers" checked={webAccess} onChange={setWebAccess} />
      </section>
      {error && <ErrorMessage error={error} />}
      {file && header.length > 0 && (
        <section class="card" aria-labelledby="map-title">
          <h2 id="map-title">2. Columns</h2>
          <p class="muted">
            {file.name}: {header.length} columns, separated by {SEP_NAMES[sep]}.
          </p>
          <div class="table-wrap">
            <table class="rows stack-narrow" data-testid="mapping">
              <thead>
                <tr>
                  <th scope="col">Column</th>
                  <th scope="col">First row</th>
                  <th scope="col">Imported as</th>
                </tr>
              </thead>
              <tbody>
                {header.map((h, i) => (
                  <tr key={i}>
                    <th scope="row">{ignoreFirst ? h || `Column ${i + 1}` : `Column ${i + 1}`}</th>
                    <td data-label="First row">{(ignoreFirst ? sample[i] : h) ?? ''}</td>
                    <td>
                      <select
                        id={`map-${i}`}
                        aria-label={`Import column ${ignoreFirst ? h || i + 1 : i + 1} as`}
                        value={mapping[i] ?? ''}
                        onChange={(e) => {
                          const next = [...mapping];
                          next[i] = (e.target as HTMLSelectElement).value;
                          setMapping(next);
                        }}
                      >
                        <option value="">Not imported</option>
                        {columns.map((c) => (
                          <option key={c.target} value={c.target}>
                            {c.column}
                            {c.required ? ' (required)' : ''}
                          </option>
                        ))}
                      </select>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="actions">
            <button type="button" class="button secondary" disabled={running} onClick={() => start(true)}>
              Dry run
            </button>
            <button type="button" class="button" disabled={running} onClick={() => start(false)}>
              Import
            </button>
          </div>
        </section>
      )}
      {job && (
        <section class="card" aria-labelledby="progress-title" data-testid="import-job">
          <h2 id="progress-title">
            {job.dry_run ? '3. Dry run' : '3. Import'} {done ? (job.status === 'done' ? 'done' : 'failed') : 'running'}
          </h2>
          <label for="import-progress">Progress</label>
          <progress id="import-progress" max={job.rows || 1} value={job.processed}>
            {job.processed} of {job.rows}
          </progress>
          <p role="status" data-testid="import-counts">
            {job.processed} of {job.rows} rows: {job.created} created, {job.updated} updated{unchangedNote(job)}, {job.failed} failed
            {job.dry_run ? ' (dry run: nothing stored)' : ''}.
          </p>
          {job.error && <p class="error">{job.error}</p>}
        </section>
      )}
      {job && done && <Report key={job.id} job={job} />}
      <EarlierImports
        key={job && done ? job.id : 0}
        onOpen={(j) => {
          setJob(j);
          window.setTimeout(() => document.getElementById('rows-title')?.scrollIntoView(), 0);
        }}
      />
    </main>
  );
}
