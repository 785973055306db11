// The shell of the web UI: picks the screen from the path, keeps the signed-in person,
// sends a 401 from any call back to the login page, and draws the header (account, user,
// sign out) around the screens that need a session. The menu offers what the person's
// roles may use: staff the organizations, people and (administrators, supervisors) the
// import; customers and partners their own record (My details), where they land.
import { useEffect, useState } from 'preact/hooks';
import { logout, setCsrf, setUnauthorizedHandler } from './api';
import { clearSession, isStaff, loadSession, managesPeople, type SessionInfo } from './session';
import { linkClick, navigate, useRoute } from './router';
import { LoginScreen } from './screens/login';
import { OrganizationsScreen } from './screens/organizations';
import { OrganizationScreen } from './screens/organization';
import { OrganizationForm } from './screens/org-form';
import { PeopleScreen } from './screens/people';
import { PersonScreen } from './screens/person';
import { PersonForm } from './screens/person-form';
import { ImportScreen } from './screens/import';
import { AccountScreen, TeamsScreen, TrustsScreen } from './screens/account';
import { TeamFormScreen } from './screens/team';
import { AgreementsScreen } from './screens/agreements';
import { CustomFieldsScreen } from './screens/custom-fields';
import { RmmScreen } from './screens/rmm';
import { seesItems } from './desk-api';
import { RequestFormScreen, RequestScreen, RequestsScreen } from './screens/desk-requests';
import { ItemFormScreen, ItemScreen, ItemsScreen } from './screens/desk-items';
import { ContractFormScreen, ContractScreen, ContractsScreen } from './screens/desk-contracts';

/** Where a person lands after the login. */
export function home(s: SessionInfo | null): string {
  return s && !isStaff(s) ? '/me' : '/organizations';
}

export function App() {
  const [session, setSession] = useState<SessionInfo | null>(loadSession);
  const [notice, setNotice] = useState<string | null>(null);
  const route = useRoute();

  useEffect(() => {
    setUnauthorizedHandler(() => {
      clearSession();
      setCsrf(null);
      setSession(null);
      setNotice('Your session has ended. Please sign in again.');
      navigate('/login');
    });
  }, []);

  const signedIn = session !== null;
  useEffect(() => {
    if (!signedIn && route.path !== '/login') {
      // A deep link opens after the login.
      const wanted = route.path + window.location.search;
      navigate(route.path === '/' ? '/login' : `/login?next=${encodeURIComponent(wanted)}`, true);
    }
    else if (signedIn && (route.path === '/login' || route.path === '/')) navigate(home(session), true);
  }, [signedIn, route.path]);

  if (!session || route.path === '/login') {
    return (
      <LoginScreen
        notice={notice}
        onSignedIn={(s) => {
          setNotice(null);
          setSession(s);
          const next = route.path === '/login' ? route.query.get('next') : null;
          // Only a path of this site: not //host or an absolute URL.
          navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : home(s));
        }}
      />
    );
  }

  const signOut = async () => {
    try {
      await logout();
    } catch {
      /* the session is gone either way */
    }
    clearSession();
    setSession(null);
    setNotice('You have signed out.');
    navigate('/login');
  };

  let screen;
  const orgMatch = /^\/organizations\/(\d+)$/.exec(route.path);
  const orgEdit = /^\/organizations\/(\d+)\/edit$/.exec(route.path);
  const personMatch = /^\/people\/(\d+)(\/edit)?$/.exec(route.path);
  const teamMatch = /^\/teams\/(\d+)\/edit$/.exec(route.path);
  if (orgMatch) screen = <OrganizationScreen id={Number(orgMatch[1])} session={session} />;
  else if (orgEdit) screen = <OrganizationForm id={Number(orgEdit[1])} />;
  else if (route.path === '/organizations/new') screen = <OrganizationForm />;
  else if (route.path === '/organizations') screen = <OrganizationsScreen query={route.query} session={session} />;
  else if (route.path === '/people') screen = <PeopleScreen query={route.query} session={session} />;
  else if (route.path === '/people/new') screen = <PersonForm />;
  else if (personMatch && personMatch[2]) screen = <PersonForm id={Number(personMatch[1])} />;
  else if (personMatch) screen = <PersonScreen id={Number(personMatch[1])} session={session} tab={route.query.get('tab')} />;
  else if (route.path === '/me/edit') screen = <PersonForm id={session.id} self />;
  else if (route.path === '/me') screen = <PersonScreen id={session.id} session={session} tab={route.query.get('tab')} />;
  else if (route.path === '/import') screen = <ImportScreen />;
  else if (route.path === '/account') screen = <AccountScreen session={session} />;
  else if (route.path === '/trusts') screen = <TrustsScreen session={session} />;
  else if (route.path === '/custom-fields') screen = <CustomFieldsScreen session={session} />;
  else if (route.path === '/rmm') screen = <RmmScreen query={route.query} session={session} />;
  else if (route.path === '/teams') screen = <TeamsScreen session={session} />;
  else if (route.path === '/teams/new') screen = <TeamFormScreen id={null} session={session} />;
  else if (teamMatch) screen = <TeamFormScreen id={Number(teamMatch[1])} session={session} />;
  else if (route.path === '/agreements') screen = <AgreementsScreen session={session} />;
  else if (deskScreen(route.path, route.query, session)) screen = deskScreen(route.path, route.query, session);
  else
    screen = (
      <main id="main" class="page">
        <h1>Page not found</h1>
        <p>
          <a href={home(session)} onClick={linkClick}>
            Back to the start page
          </a>
        </p>
      </main>
    );

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={home(session)} onClick={linkClick}>
          Rolodesk
        </a>
        <nav aria-label="Main">
          {isStaff(session) && (
            <>
              <a href="/organizations" onClick={linkClick} aria-current={route.path.startsWith('/organizations') ? 'page' : undefined}>
                Organizations
              </a>
              <a href="/people" onClick={linkClick} aria-current={route.path.startsWith('/people') ? 'page' : undefined}>
                People
              </a>
            </>
          )}
          <DeskNav path={route.path} session={session} />
          {managesPeople(session) && (
            <a href="/import" onClick={linkClick} aria-current={route.path === '/import' ? 'page' : undefined}>
              Import
            </a>
          )}
          {isStaff(session) && (
            <>
              <a href="/agreements" onClick={linkClick} aria-current={route.path === '/agreements' ? 'page' : undefined}>
                Agreements
              </a>
              <a href="/teams" onClick={linkClick} aria-current={route.path === '/teams' ? 'page' : undefined}>
                Teams
              </a>
            </>
          )}
          {isStaff(session) && (
            <a
              href="/account"
              onClick={linkClick}
              aria-current={['/account', '/trusts', '/custom-fields', '/rmm'].includes(route.path) ? 'page' : undefined}
            >
              Account
            </a>
          )}
          <a href="/me" onClick={linkClick} aria-current={route.path.startsWith('/me') ? 'page' : undefined}>
            My details
          </a>
        </nav>
        <div class="who">
          <span class="who-account" data-testid="account-name">
            {session.account.name}
          </span>
          <span class="who-user" data-testid="user-name">
            {session.name} ({session.username})
          </span>
          <button type="button" class="button secondary" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      {screen}
    </>
  );
}

// The service desk records screens (issue 16): requests, items, contracts.
function deskScreen(path: string, query: URLSearchParams, session: SessionInfo) {
  const m = /^\/(requests|items|contracts)\/(\d+)(\/edit)?$/.exec(path);
  if (m && m[1] === 'requests' && !m[3]) return <RequestScreen id={Number(m[2])} session={session} />;
  if (m && m[1] === 'items') return m[3] ? <ItemFormScreen id={Number(m[2])} session={session} /> : <ItemScreen id={Number(m[2])} session={session} />;
  if (m && m[1] === 'contracts') return m[3] ? <ContractFormScreen id={Number(m[2])} session={session} /> : <ContractScreen id={Number(m[2])} session={session} />;
  if (path === '/requests') return <RequestsScreen query={query} session={session} />;
  if (path === '/requests/new') return <RequestFormScreen session={session} />;
  if (path === '/items') return <ItemsScreen query={query} session={session} />;
  if (path === '/items/new') return <ItemFormScreen id={null} session={session} />;
  if (path === '/contracts') return <ContractsScreen query={query} session={session} />;
  if (path === '/contracts/new') return <ContractFormScreen session={session} />;
  return null;
}

function DeskNav({ path, session }: { path: string; session: SessionInfo }) {
  const links: [string, string, boolean][] = [
    ['/requests', 'Requests', true],
    ['/items', 'Items', seesItems(session)],
    ['/contracts', 'Contracts', seesItems(session)],
  ];
  return (
    <>
      {links
        .filter(([, , shown]) => shown)
        .map(([href, label]) => (
          <a key={href} href={href} onClick={linkClick} aria-current={path === href || path.startsWith(`${href}/`) ? 'page' : undefined}>
            {label}
          </a>
        ))}
    </>
  );
}
