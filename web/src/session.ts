// Who is signed in, for the header and the route guard: the person of the login answer
// and its CSRF token (api.ts) are kept in sessionStorage, so a reload keeps the session
// and closing the tab forgets it. The session itself is the HttpOnly cookie: it never
// reaches script, and the bearer token of the login answer is not kept.
import type { Person } from './api';

const KEY = 'rolodesk.person';

export interface SessionInfo {
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
