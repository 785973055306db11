// Requests and items (issue 16, PART-4, CUST-7, CUST-8), for staff: the requests the
// caller sees (GET /v1/requests, by status) and the account's items (GET /v1/items, by
// free text and status) with their CSV and Excel exports, each one page at a time; the
// filters live in the URL.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Item, Ref, RequestRecord } from '../api';
import { linkClick, navigate } from '../router';
import { ErrorMessage } from './error';
import { Pager, usePagedList } from './pager';

const DEBOUNCE_MS = 250;

function withParam(base: string, name: string, value: string): string {
  const params = new URLSearchParams(window.location.search);
  if (value) params.set(name, value);
  else params.delete(name);
  const s = params.toString();
  return `${base}${s ? `?${s}` : ''}`;
}

function apiPath(path: string, params: Record<string, string>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) p.set(k, v);
  p.set('per_page', '25');
  return `${path}?${p}`;
}

const REQUEST_STATUSES = ['open', 'pending', 'pending_no_contract', 'resolved', 'closed'];

export function RequestsScreen({ query }: { query: URLSearchParams }) {
  const status = query.get('status') ?? '';
  const list = usePagedList<RequestRecord & { customer?: Ref | null }>(apiPath('/v1/requests', { status }));
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <main id="main" class="page">
      <h1 ref={heading} tabIndex={-1}>
        Requests
      </h1>
      <div class="toolbar">
        <div class="field-inline">
          <label for="request-status">Status</label>
          <select id="request-status" value={status} onChange={(e) => navigate(withParam('/requests', 'status', (e.target as HTMLSelectElement).value))}>
            <option value="">Any</option>
            {REQUEST_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replace(/_/g, ' ')}
              </option>
            ))}
          </select>
        </div>
      </div>
      {list.error && <ErrorMessage error={list.error} />}
      {list.items && list.items.length === 0 && <p class="empty">No requests.</p>}
      {list.items && list.items.length > 0 && (
        <ul class="org-list" data-testid="request-list">
          {list.items.map((r) => (
            <li key={r.id} class="org">
              <span class="org-name">{r.subject}</span>
              <span class="badge">{r.status.replace(/_/g, ' ')}</span>
              {r.customer && (
                <a href={`/people/${r.customer.id}`} onClick={linkClick}>
                  {r.customer.name}
                </a>
              )}
              <span class="org-place">
                {r.team?.name}
                {r.assignee ? `, ${r.assignee.name}` : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
      <Pager list={list} />
    </main>
  );
}

const ITEM_STATUSES = ['in_use', 'in_stock', 'in_repair', 'retired'];

export function ItemsScreen({ query }: { query: URLSearchParams }) {
  const q = query.get('q') ?? '';
  const status = query.get('status') ?? '';
  const [text, setText] = useState(q);
  const list = usePagedList<Item & { owners?: Ref[]; serial?: string | null }>(apiPath('/v1/items', { q, status }));
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  useEffect(() => {
    if (q !== text.trim()) setText(q);
  }, [q]);
  useEffect(() => {
    if (text.trim() === q) return;
    const timer = window.setTimeout(() => navigate(withParam('/items', 'q', text.trim()), true), DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [text]);
  const exportQuery = new URLSearchParams();
  if (q) exportQuery.set('q', q);
  if (status) exportQuery.set('status', status);
  const eq = exportQuery.toString() ? `?${exportQuery}` : '';
  return (
    <main id="main" class="page">
      <div class="title-row">
        <h1 ref={heading} tabIndex={-1}>
          Items
        </h1>
        <a class="button secondary" href={`/v1/items/export.csv${eq}`} download="items.csv" data-testid="items-csv">
          Export CSV
        </a>
        <a class="button secondary" href={`/v1/items/export.xlsx${eq}`} download="items.xlsx">
          Export Excel
        </a>
      </div>
      <div class="toolbar">
        <div class="search">
          <label for="item-search">Search</label>
          <input id="item-search" type="search" autocomplete="off" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field-inline">
          <label for="item-status">Status</label>
          <select id="item-status" value={status} onChange={(e) => navigate(withParam('/items', 'status', (e.target as HTMLSelectElement).value))}>
            <option value="">Any</option>
            {ITEM_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replace(/_/g, ' ')}
              </option>
            ))}
          </select>
        </div>
      </div>
      {list.error && <ErrorMessage error={list.error} />}
      {list.items && list.items.length === 0 && <p class="empty">No items match.</p>}
      {list.items && list.items.length > 0 && (
        <ul class="org-list" data-testid="item-list">
          {list.items.map((it) => (
            <li key={it.id} class="org">
              <span class="org-name">{it.name}</span>
              {it.number && <span class="org-place">{it.number}</span>}
              {it.status && <span class="badge">{it.status.replace(/_/g, ' ')}</span>}
              {it.organization && (
                <a href={`/organizations/${it.organization.id}`} onClick={linkClick}>
                  {it.organization.name}
                </a>
              )}
              {(it.owners ?? []).map((o) => (
                <a key={o.id} href={`/people/${o.id}`} onClick={linkClick}>
                  {o.name}
                </a>
              ))}
            </li>
          ))}
        </ul>
      )}
      <Pager list={list} />
    </main>
  );
}
