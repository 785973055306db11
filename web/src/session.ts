// Who is signed in, for the header and the route guard: the person of the login answer
// and its CSRF token (api.ts) are kept in sessionStorage, so a reload keeps the session
// and closing the tab forgets it. The session itself is the HttpOnly cookie: it never
// reaches script, and the bearer token of the login answer is not kept.
import type { Person } from './api';

const KEY = 'rolodesk.person';

export interface SessionInfo {
  id: number;
  account: { id: string; name: string };
  name: string;
  username: string;
  roles: string[];
}

export function loadSession(): SessionInfo | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as SessionInfo) : null;
  } catch {
    return null;
  }
}

export function saveSession(person: Person): SessionInfo {
  const info: SessionInfo = {
    id: person.id,
    account: person.account,
    name: person.name,
    username: person.username,
    roles: person.roles ?? [],
  };
  sessionStorage.setItem(KEY, JSON.stringify(info));
  return info;
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}

// What the screens offer by role (ACC-2, ACC-7, TRUST-5). The API decides (a refused call
// is a 403 shown as such); these only keep the UI from offering what would be refused.
const STAFF = ['account_administrator', 'supervisor', 'service_level_manager', 'technician'];

export function hasRole(s: SessionInfo, ...roles: string[]): boolean {
  return s.roles.some((r) => roles.includes(r));
}
/** Staff see the organizations, the people and the other lists; customers and partners
 *  their own record. */
export function isStaff(s: SessionInfo): boolean {
  return hasRole(s, ...STAFF);
}
/** TRUST-5: who may put a foreign organization in edit mode (its own annotations). */
export function mayAnnotate(s: SessionInfo): boolean {
  return hasRole(s, 'service_level_manager', 'account_administrator');
}
/** Imports, deleted people and enabling them (routes for administrators and supervisors). */
export function managesPeople(s: SessionInfo): boolean {
  return hasRole(s, 'account_administrator', 'supervisor');
}
/** ACC-7: whether s may change (edit, delete, enable, mail the login of) a person with
 *  these roles: administrators anyone; supervisors technicians, partners and customers;
 *  service level managers and technicians customers; partners and customers themselves. */
export function mayChange(s: SessionInfo, target: { id: number; roles: string[] }): boolean {
  if (hasRole(s, 'account_administrator')) return true;
  const only = (allowed: string[]) => target.roles.every((r) => allowed.includes(r));
  if (hasRole(s, 'supervisor') && only(['technician', 'partner', 'customer'])) return true;
  if (hasRole(s, 'service_level_manager', 'technician') && only(['customer'])) return true;
  return false;
}
/** Who may create and change the account's own organizations (the API's ORG_WRITERS). */
export function writesOrganizations(s: SessionInfo): boolean {
  return hasRole(s, 'account_administrator', 'supervisor', 'service_level_manager');
}
