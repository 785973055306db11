// The organizations list (issue 16): the account's own list (GET /v1/organizations) or the
// All Organizations view (GET /v1/organizations/all, TRUST-3) with foreign records marked
// with their account; `q` is sent 250 ms after the last keystroke; one page at a time,
// the next one by the API's Link rel="next" (the UI never loads more than it shows). The
// view and the search live in the URL, so back from an organization returns to them.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, getPage, organizationsPath, type Organization, type OrgView } from '../api';
import { linkClick, navigate } from '../router';
import { writesOrganizations, type SessionInfo } from '../session';
import { ErrorMessage } from './error';

const DEBOUNCE_MS = 250;

function place(o: Organization): string {
  const a = o.contact?.addresses?.[0];
  return a ? [a.city, a.country].filter(Boolean).join(', ') : '';
}

export function OrganizationsScreen({ query, session }: { query: URLSearchParams; session: SessionInfo }) {
  const view: OrgView = query.get('view') === 'all' ? 'all' : 'own';
  const q = query.get('q') ?? '';
  const disabled = query.get('disabled') ?? '';
  const fid = query.get('financial_id') ?? '';
  const filters = { disabled, financial_id: fid };
  const [text, setText] = useState(q);
  const [fidText, setFidText] = useState(fid);
  // The pages before the one shown (their paths), for "Previous page".
  const [trail, setTrail] = useState<string[]>([]);
  const [path, setPath] = useState(() => organizationsPath(view, q, 25, filters));
  const [items, setItems] = useState<Organization[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  // A new view or search starts again at the first page.
  useEffect(() => {
    setTrail([]);
    setPath(organizationsPath(view, q, 25, filters));
  }, [view, q, disabled, fid]);

  useEffect(() => setFidText(fid), [fid]);

  /** The list's URL with one of its parameters changed (view, q and the filters). */
  const withParam = (name: string, value: string) => {
    const params = new URLSearchParams(window.location.search);
    if (value) params.set(name, value);
    else params.delete(name);
    const s = params.toString();
    return `/organizations${s ? `?${s}` : ''}`;
  };

  // Back/forward to another search shows that search in the box (not while typing: the
  // URL then follows the box, trimmed).
  useEffect(() => {
    if (q !== text.trim()) setText(q);
  }, [q]);

  // Typing updates the URL (and so the query) once the person pauses.
  useEffect(() => {
    if (text === q) return;
    const timer = window.setTimeout(() => navigate(withParam('q', text.trim()), true), DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [text]);

  useEffect(() => {
    let stale = false;
    setLoading(true);
    getPage<Organization>(path)
      .then((page) => {
        if (stale) return;
        setItems(page.items);
        setNext(page.next);
        setError(null);
      })
      .catch((err) => {
        if (stale) return;
        setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
        setItems(null);
      })
      .finally(() => {
        if (!stale) setLoading(false);
      });
    return () => {
      stale = true;
    };
  }, [path]);

  const setView = (v: OrgView) => {
    const params = new URLSearchParams();
    if (v === 'all') params.set('view', 'all');
    if (q) params.set('q', q);
    const s = params.toString();
    navigate(`/organizations${s ? `?${s}` : ''}`);
  };

  const goNext = () => {
    if (!next) return;
    setTrail([...trail, path]);
    setPath(next);
    heading.current?.focus();
  };
  const goPrevious = () => {
    if (!trail.length) return;
    setPath(trail[trail.length - 1]);
    setTrail(trail.slice(0, -1));
    heading.current?.focus();
  };

  const title = view === 'all' ? 'All Organizations' : 'Organizations';
  return (
    <main id="main" class="page">
      <div class="title-row">
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {writesOrganizations(session) && (
          <a class="button" href="/organizations/new" onClick={linkClick}>
            New organization
          </a>
        )}
      </div>
      <div class="toolbar">
        <div class="segmented" role="group" aria-label="Which organizations">
          <button type="button" class="button secondary" aria-pressed={view === 'own'} onClick={() => setView('own')}>
            Own organizations
          </button>
          <button type="button" class="button secondary" aria-pressed={view === 'all'} onClick={() => setView('all')}>
            All Organizations
          </button>
        </div>
        <div class="search">
          <label for="org-search">Search</label>
          <input
            id="org-search"
            type="search"
            autocomplete="off"
            placeholder="Name, city, phone…"
            value={text}
            onInput={(e) => setText((e.target as HTMLInputElement).value)}
          />
        </div>
        {view === 'own' && (
          <>
            <div class="field-inline">
              <label for="org-disabled">Status</label>
              <select id="org-disabled" value={disabled} onChange={(e) => navigate(withParam('disabled', (e.target as HTMLSelectElement).value))}>
                <option value="">Enabled and disabled</option>
                <option value="false">Enabled</option>
                <option value="true">Disabled</option>
              </select>
            </div>
            <form
              class="field-inline fid-filter"
              onSubmit={(e) => {
                e.preventDefault();
                navigate(withParam('financial_id', fidText.trim()));
              }}
            >
              <label for="org-fid">Financial ID</label>
              <div class="input-button">
                <input id="org-fid" value={fidText} autocomplete="off" onInput={(e) => setFidText((e.target as HTMLInputElement).value)} />
                <button type="submit" class="button secondary">
                  Filter
                </button>
              </div>
            </form>
          </>
        )}
      </div>
      <p class="sr-only" role="status" aria-live="polite">
        {loading ? 'Loading…' : items ? `${items.length} organizations shown` : ''}
      </p>
      {error && <ErrorMessage error={error} />}
      {items && items.length === 0 && <p class="empty">No organizations match.</p>}
      {items && items.length > 0 && (
        <ul class="org-list" data-testid="org-list" aria-busy={loading}>
          {items.map((o) => (
            <li key={o.id} class={o.foreign ? 'org foreign' : 'org'}>
              <a href={`/organizations/${o.id}`} onClick={linkClick} class="org-name">
                {o.name}
              </a>
              <span class="org-place">{place(o)}</span>
              {view === 'all' && (
                <span class={o.foreign ? 'badge badge-foreign' : 'badge'} data-testid="org-account">
                  {o.foreign ? `Foreign: ${o.account.name}` : o.account.name}
                </span>
              )}
              {o.disabled && <span class="badge">Disabled</span>}
            </li>
          ))}
        </ul>
      )}
      <div class="pager">
        <button type="button" class="button secondary" onClick={goPrevious} disabled={!trail.length}>
          Previous page
        </button>
        <button type="button" class="button secondary" onClick={goNext} disabled={!next}>
          Next page
        </button>
      </div>
    </main>
  );
}
