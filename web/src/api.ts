// The API client of the web UI (issue 16): every screen reaches rolodeskd only through
// these functions (SPEC §1: everything a person can do in the UI is an API call). Calls go
// to the same origin with the HttpOnly session cookie of POST /v1/login; calls that change
// data also carry the X-CSRF-Token of that login. Errors of API.md ({"message", "errors":
// [{"field", "message"}]}) become ApiError; Link: <...>; rel="next" becomes Page.next.

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly fields: FieldError[];
  constructor(status: number, message: string, fields: FieldError[] = []) {
    super(message);
    this.status = status;
    this.fields = fields;
  }
  /** The message with its field errors, for a screen that has no field to show them at. */
  get detail(): string {
    if (!this.fields.length) return this.message;
    return `${this.message}: ${this.fields.map((f) => `${f.field} ${f.message}`).join('; ')}`;
  }
}

/** Called on every 401 but the login's own (the screens send the person back to login). */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

const CSRF_KEY = 'rolodesk.csrf';
export function setCsrf(token: string | null): void {
  if (token) sessionStorage.setItem(CSRF_KEY, token);
  else sessionStorage.removeItem(CSRF_KEY);
}

async function errorOf(res: Response): Promise<ApiError> {
  let message = res.statusText || `HTTP ${res.status}`;
  let fields: FieldError[] = [];
  try {
    const body = await res.json();
    if (body && typeof body.message === 'string') message = body.message;
    if (body && Array.isArray(body.errors)) {
      fields = body.errors.map((e: Record<string, unknown>) => ({
        field: String(e.field ?? e.column ?? e.line ?? ''),
        message: String(e.message ?? ''),
      }));
    }
  } catch {
    /* not JSON: keep the status text */
  }
  return new ApiError(res.status, message, fields);
}

interface CallOptions {
  method?: string;
  body?: unknown;
  /** A raw body (a file) sent as is with this Content-Type, instead of JSON. */
  raw?: { data: Blob | string; type: string };
  /** Extra request headers (If-Match). */
  headers?: Record<string, string>;
  /** The login itself: its 401 is a wrong password, not an ended session. */
  noAuthRedirect?: boolean;
}

export async function call(path: string, opts: CallOptions = {}): Promise<Response> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (opts.raw) headers['Content-Type'] = opts.raw.type;
  if (method !== 'GET' && method !== 'HEAD') {
    const csrf = sessionStorage.getItem(CSRF_KEY);
    if (csrf) headers['X-CSRF-Token'] = csrf;
  }
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: opts.raw ? opts.raw.data : opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
  } catch {
    throw new ApiError(0, 'The server cannot be reached');
  }
  if (!res.ok) {
    const err = await errorOf(res);
    if (res.status === 401 && !opts.noAuthRedirect) onUnauthorized();
    throw err;
  }
  return res;
}

export async function getJson<T>(path: string): Promise<T> {
  return (await call(path)).json() as Promise<T>;
}

/** A record with the ETag of its answer (for PATCH with If-Match). */
export async function getTagged<T>(path: string): Promise<{ body: T; etag: string | null }> {
  const res = await call(path);
  return { body: (await res.json()) as T, etag: res.headers.get('ETag') };
}

/** A call that changes data (POST, PATCH, PUT, DELETE) with a JSON body or a raw one;
 *  the answer's JSON, or null when it has none (204). */
export async function send<T>(
  method: string,
  path: string,
  body?: unknown,
  extra: Pick<CallOptions, 'raw' | 'headers'> = {},
): Promise<T> {
  const res = await call(path, { method, body, ...extra });
  if (res.status === 204) return null as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
}

export interface Page<T> {
  items: T[];
  /** The path (with query) of the next page, from the Link header; null on the last page. */
  next: string | null;
}

/** The rel="next" target of a Link header, as a same-origin path. */
export function nextLink(link: string | null): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const m = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (m && /rel="?next"?/.test(m[2])) {
      const u = new URL(m[1], window.location.href);
      return u.pathname + u.search;
    }
  }
  return null;
}

export async function getPage<T>(path: string): Promise<Page<T>> {
  const res = await call(path);
  return { items: (await res.json()) as T[], next: nextLink(res.headers.get('Link')) };
}

// ---- Records (the shapes of API.md that the screens show) ----

export interface Ref {
  id: number;
  name: string;
}
export interface AccountRef {
  id: string;
  name: string;
}
export interface Person {
  id: number;
  account: AccountRef;
  name: string;
  username: string;
  roles: string[];
}
export interface Contact {
  addresses?: { label?: string; street?: string; city?: string; state?: string; zip?: string; country?: string }[];
  telephones?: { label?: string; number: string }[];
  email_addresses?: { label?: string; address: string }[];
  websites?: { label?: string; url: string }[];
}
export interface Attachment {
  key: string;
  filename: string;
  size: number;
  content_type: string;
}
export interface Organization {
  id: number;
  account: AccountRef;
  name: string;
  foreign?: boolean;
  parent?: Ref | null;
  manager?: Ref | null;
  financial_id?: string | null;
  remarks?: string | null;
  remarks_attachments?: Attachment[];
  disabled?: boolean;
  partner?: boolean;
  picture_uri?: string | null;
  contact?: Contact;
  custom_fields?: Record<string, unknown>;
  source?: string;
}

// ---- Calls ----

export interface LoginAnswer {
  token: string;
  csrf_token: string;
  person: Person;
}

export async function login(account: string, username: string, password: string): Promise<LoginAnswer> {
  const res = await call('/v1/login', {
    method: 'POST',
    body: { account, username, password },
    noAuthRedirect: true,
  });
  const answer = (await res.json()) as LoginAnswer;
  setCsrf(answer.csrf_token || res.headers.get('X-CSRF-Token'));
  return answer;
}

export async function logout(): Promise<void> {
  try {
    await call('/v1/logout', { method: 'POST', noAuthRedirect: true });
  } finally {
    setCsrf(null);
  }
}

export type OrgView = 'own' | 'all';

/** ORG-3, ORG-4 filters of the own list (the All Organizations view has none). */
export interface OrgFilters {
  disabled?: string;
  financial_id?: string;
}

export function organizationsPath(view: OrgView, q: string, perPage = 25, filters: OrgFilters = {}): string {
  const params = new URLSearchParams();
  if (q.trim()) params.set('q', q.trim());
  if (view === 'own' && filters.disabled) params.set('disabled', filters.disabled);
  if (view === 'own' && filters.financial_id?.trim()) params.set('financial_id', filters.financial_id.trim());
  params.set('per_page', String(perPage));
  return `/v1/organizations${view === 'all' ? '/all' : ''}?${params}`;
}

export function getOrganization(id: number): Promise<Organization> {
  return getJson<Organization>(`/v1/organizations/${id}`);
}

/** TRUST-5: the fields a foreign organization's PATCH accepts (the caller's own notes). */
export interface Annotation {
  remarks?: string | null;
  financial_id?: string | null;
  custom_fields?: Record<string, unknown> | null;
  remarks_attachments?: { key: string }[] | null;
}

export interface CustomField {
  id: number;
  record_type: string;
  key: string;
  label: string;
  type: 'text' | 'number' | 'date' | 'boolean' | 'select';
  required: boolean;
  max_length?: number | null;
  options?: string[] | null;
}

export interface PersonRecord extends Person {
  title?: string | null;
  first_name: string;
  last_name: string;
  web_access: boolean;
  primary_email: string;
  send_to: string | null;
  aliases: string[];
  organization: Ref | null;
  line_manager?: Ref | null;
  partner_organization?: Ref | null;
  address_1?: string | null;
  address_2?: string | null;
  city?: string | null;
  state?: string | null;
  postcode?: string | null;
  country?: string | null;
  email_locale?: string | null;
  phone?: string | null;
  mobile?: string | null;
  time_zone?: string | null;
  notes?: string | null;
  last_login_at?: string | null;
  source?: string;
  deleted: boolean;
  created_at: string;
  updated_at: string;
  custom_fields?: Record<string, unknown>;
}

export interface Item {
  id: number;
  number?: string | null;
  name: string;
  category?: string | null;
  status?: string | null;
  organization?: Ref | null;
  relation?: string;
}

export interface Contract {
  id: number;
  type: string;
  sla?: Ref | null;
  start_date?: string | null;
  end_date?: string | null;
  status: string;
  allowance_minutes?: number | null;
  used_minutes?: number | null;
}

export interface RequestRecord {
  id: number;
  subject: string;
  status: string;
  team?: Ref | null;
  assignee?: Ref | null;
  created_at: string;
}

export interface ImportJob {
  id: number;
  status: 'queued' | 'running' | 'done' | 'failed';
  dry_run: boolean;
  rows: number;
  processed: number;
  created: number;
  updated: number;
  /** of the updated rows, those that changed nothing */
  unchanged?: number;
  failed: number;
  deferred?: number;
  skipped?: number;
  error?: string | null;
  mapping?: Record<string, string | null>;
}

export interface ImportRow {
  line: number;
  result: 'created' | 'updated' | 'failed' | 'deferred';
  /** an update that found every value already stored: nothing was written */
  unchanged?: boolean;
  username?: string | null;
  person?: { id: number };
  errors: { column?: string | null; message: string }[];
  changes?: Record<string, { old: unknown; new: unknown }>;
}

export interface ImportColumn {
  column: string;
  target: string;
  type: string;
  required: boolean;
  in_template: boolean;
  max_length?: number;
  description?: string;
}

/** The labels of the account's custom fields of a record type, by key (one page of 100;
 *  an empty map when they cannot be read). */
export async function customFieldLabels(recordType: 'organization' | 'person'): Promise<Record<string, string>> {
  try {
    const page = await getPage<CustomField>(`/v1/custom_fields?record_type=${recordType}&per_page=100`);
    return Object.fromEntries(page.items.map((d) => [d.key, d.label]));
  } catch {
    return {};
  }
}
