// The API client of the service desk records screens (issue 16): requests (PART-3/4,
// CUST-9 attachments), items (CUST-7) and contracts (CUST-8). Every call goes through
// api.ts (same-origin cookie session, CSRF header, ApiError, Link paging); this file adds the record shapes, the paths with their filters
// and the role checks the screens use to offer only what the caller may do (the API
// decides in the end: a 403 is shown as such).
import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, getJson, getPage, getTagged, type AccountRef, type Ref } from './api';
import { usePagedList } from './screens/pager';
import type { SessionInfo } from './session';

export type { Ref };

// ---- Roles (as declared beside each route in docs/openapi.json) ----

const STAFF = ['account_administrator', 'supervisor', 'service_level_manager', 'technician'];
const MANAGERS = ['account_administrator', 'supervisor', 'service_level_manager'];

function hasAny(s: SessionInfo, roles: string[]): boolean {
  return s.roles.some((r) => roles.includes(r));
}
/** Staff read every request, item and contract of the account and write items. */
export const isStaff = (s: SessionInfo) => hasAny(s, STAFF);
/** Staff and partner technicians change, escalate and record time on requests they see. */
export const worksRequests = (s: SessionInfo) => hasAny(s, [...STAFF, 'partner']);
/** Contracts are written by administrators, supervisors and SLMs. */
export const managesContracts = (s: SessionInfo) => hasAny(s, MANAGERS);
/** Who sees the Items and Contracts screens at all (customers: their own). */
export const seesItems = (s: SessionInfo) => isStaff(s) || s.roles.includes('customer');

// ---- Records ----

export const REQUEST_STATUSES = ['open', 'pending', 'pending_no_contract', 'resolved', 'closed'] as const;
export const ITEM_STATUSES = ['in_use', 'in_stock', 'in_repair', 'retired'] as const;
export const CONTRACT_TYPES = ['subscription', 'time_limited', 'hours', 'monthly_hours'] as const;

/** `in_use` → "In use". */
export function words(s: string | null | undefined): string {
  if (!s) return '';
  const t = s.replace(/_/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

export interface DeskRequest {
  id: number;
  account: AccountRef;
  subject: string;
  description?: string | null;
  status: string;
  customer: Ref;
  organization?: Ref | null;
  team?: Ref | null;
  layer?: number | null;
  assignee?: Ref | null;
  assigned_at?: string;
  minutes?: number;
  item?: Ref | null;
  created_at?: string;
  updated_at?: string;
}
export interface Note {
  id: number;
  author: Ref;
  text: string;
  internal: boolean;
  created_at: string;
}
export interface TimeEntry {
  id: number;
  person: Ref;
  minutes: number;
  date: string;
  description?: string | null;
  contract?: { id: number } | null;
  created_at: string;
}
export interface RequestAttachment {
  id: number;
  key: string;
  filename: string;
  size: number;
  content_type: string;
  created_at: string;
}
export interface Item {
  id: number;
  account: AccountRef;
  number: string;
  name: string;
  category?: string | null;
  status: string;
  serial?: string | null;
  organization?: Ref | null;
  location?: Ref | null;
  department?: Ref | null;
  owners: Ref[];
  shared_with: Ref[];
  custom_fields?: Record<string, unknown>;
  notes?: string | null;
  source?: string;
  source_id?: string | null;
  created_at?: string;
  updated_at?: string;
}
export interface Contract {
  id: number;
  account: AccountRef;
  type: string;
  customer?: Ref | null;
  organization?: Ref | null;
  item?: Ref | null;
  sla: Ref;
  start_date: string;
  end_date?: string | null;
  hours?: number | null;
  monthly_hours?: number | null;
  rollover_day?: number | null;
  carry_over?: boolean;
  invoice_paid?: boolean;
  cancelled?: boolean;
  notes?: string | null;
  status: string;
  pending_reason?: string | null;
  allowance_minutes?: number | null;
  used_minutes?: number;
  period_start?: string | null;
  period_end?: string | null;
}
export interface ContractUsage {
  contract: number;
  status: string;
  allowance_minutes: number | null;
  used_minutes: number;
  period_start: string | null;
  period_end: string | null;
  requests: { request: { id: number; subject: string }; minutes: number; entries: number }[];
}
/** A person or other record offered in a picker. */
export interface Named {
  id: number;
  name: string;
  username?: string;
}

// ---- Paths ----

/** A list path: the filters that have a value, then per_page. */
export function listPath(base: string, filters: Record<string, string | null | undefined>, perPage = 25): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v) params.set(k, v);
  params.set('per_page', String(perPage));
  return `${base}?${params}`;
}

// ---- Calls that change data ----

/** The ETag of each desk record this tab read or wrote last, by its path. A PATCH or
 *  DELETE of the record sends it as If-Match, so a change someone else made meanwhile is
 *  refused (412, shown as the API's message) instead of overwritten. A write to a part of
 *  the record (a note, a time entry) may give it a new version: its tag is then dropped,
 *  and the next write of the record goes without one, as before. */
const versions = new Map<string, string>();

/** GET of one record, its ETag kept for the writes that follow. */
async function getRecord<T>(path: string): Promise<T> {
  const { body, etag } = await getTagged<T>(path);
  if (etag) versions.set(path, etag);
  else versions.delete(path);
  return body;
}

export async function send<T>(path: string, method: string, body?: unknown): Promise<T | null> {
  const tag = method === 'PATCH' || method === 'DELETE' ? versions.get(path) : undefined;
  const res = await call(path, { method, body, headers: tag ? { 'If-Match': tag } : undefined });
  const etag = method === 'PATCH' ? res.headers.get('ETag') : null;
  if (etag) versions.set(path, etag);
  else versions.delete(path);
  for (const known of [...versions.keys()]) if (path.startsWith(`${known}/`)) versions.delete(known);
  if (res.status === 204) return null;
  const text = await res.text();
  return text ? (JSON.parse(text) as T) : null;
}

/** Requests are raised by staff (for a customer) and by customers (for themselves). */
export const raisesRequests = (s: SessionInfo) => isStaff(s) || s.roles.includes('customer');
export const createRequest = (body: Record<string, unknown>) => send<DeskRequest>('/v1/requests', 'POST', body);
export const getRequest = (id: number) => getRecord<DeskRequest>(`/v1/requests/${id}`);
export const patchRequest = (id: number, body: Record<string, unknown>) =>
  send<DeskRequest>(`/v1/requests/${id}`, 'PATCH', body);
export const escalateRequest = (id: number) => send<DeskRequest>(`/v1/requests/${id}/escalate`, 'POST');
export const addNote = (id: number, text: string, internal: boolean) =>
  send<Note>(`/v1/requests/${id}/notes`, 'POST', internal ? { text, internal } : { text });
export const addTime = (id: number, body: Record<string, unknown>) =>
  send<TimeEntry>(`/v1/requests/${id}/time_entries`, 'POST', body);

export const getItem = (id: number) => getRecord<Item>(`/v1/items/${id}`);
export const saveItem = (id: number | null, body: Record<string, unknown>) =>
  id ? send<Item>(`/v1/items/${id}`, 'PATCH', body) : send<Item>('/v1/items', 'POST', body);

export const deleteItem = (id: number) => send<null>(`/v1/items/${id}`, 'DELETE');
export const patchContract = (id: number, body: Record<string, unknown>) =>
  send<Contract>(`/v1/contracts/${id}`, 'PATCH', body);
export const getContract = (id: number) => getRecord<Contract>(`/v1/contracts/${id}`);
export const getUsage = (id: number) => getJson<ContractUsage>(`/v1/contracts/${id}/usage`);
export const enableContract = (id: number) => send<Contract>(`/v1/contracts/${id}/enable`, 'POST');
export const createContract = (body: Record<string, unknown>) => send<Contract>('/v1/contracts', 'POST', body);

/** BEYOND-1: a dry run stores nothing; its job's result lists the changes. */
export function asApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(0, String(err));
}

// ---- Hooks ----

/** One page of a list at a time (pager.tsx's usePagedList) under the names the desk
 *  screens use: next() follows the Link rel="next", previous() goes back, reload(). */
export function usePaged<T>(first: string | null) {
  const l = usePagedList<T>(first);
  return {
    items: l.items,
    error: l.error,
    loading: l.loading,
    hasNext: !!l.next,
    hasPrevious: l.hasPrevious,
    next: l.goNext,
    previous: l.goPrevious,
    reload: l.reload,
  };
}

/** The choices of a picker: one page (at most 100) of `path`; null path: none. */
export function useChoices(path: string | null): { choices: Named[]; error: ApiError | null } {
  const [choices, setChoices] = useState<Named[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    if (!path) return;
    let stale = false;
    getPage<Named>(path)
      .then((p) => !stale && setChoices(p.items))
      .catch((err) => !stale && setError(asApiError(err)));
    return () => {
      stale = true;
    };
  }, [path]);
  return { choices, error };
}
