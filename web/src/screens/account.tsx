// Account screens (issue 16, ACC-5, TRUST-1, PART-4), for staff: the account's settings
// (GET /v1/account; an administrator changes them with PATCH /v1/account, only what
// changed, secrets write-only), its trusted accounts (GET/POST/DELETE /v1/account/trusts,
// administrators) and its teams with their escalation layers (GET /v1/teams, read only
// here). Field errors of the API are shown at their field.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, getJson, send } from '../api';
import { linkClick } from '../router';
import { hasRole, writesOrganizations, type SessionInfo } from '../session';
import { ErrorMessage } from './error';
import { CheckField, ErrorSummary, TextField, fieldErrors } from './form';
import { Pager, usePagedList } from './pager';
import { writesTeams, type Team } from './team';

/** The account's screens, under the main menu's Account: settings for staff, trusted
 *  accounts and custom fields for administrators, RMM for organization writers. */
export function AccountNav({ session }: { session: SessionInfo }) {
  const here = window.location.pathname;
  const admin = hasRole(session, 'account_administrator');
  const links: [string, string, boolean][] = [
    ['/account', 'Settings', true],
    ['/trusts', 'Trusted accounts', admin],
    ['/custom-fields', 'Custom fields', admin],
    ['/rmm', 'RMM accounts', writesOrganizations(session)],
  ];
  const shown = links.filter(([, , ok]) => ok);
  if (shown.length < 2) return null;
  return (
    <nav class="subnav" aria-label="Account">
      {shown.map(([href, label]) => (
        <a key={href} href={href} onClick={linkClick} aria-current={here === href ? 'page' : undefined}>
          {label}
        </a>
      ))}
    </nav>
  );
}

function toError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(0, String(err));
}

interface Account {
  id: string;
  name: string;
  settings: Record<string, unknown> & { smtp?: Record<string, unknown>; rmm?: Record<string, unknown> };
}

const FLAGS: [string, string][] = [
  ['random_passwords', 'Random passwords (the login mail resets the password)'],
  ['password_questions', 'Password questions'],
  ['titles_enabled', 'Titles enabled'],
  ['rooms_displayed', 'Rooms displayed'],
  ['gps_recorded', 'GPS recorded'],
  ['customer_partner_editable', 'Customer partner editable'],
  ['mixed_mode_authentication', 'Mixed-mode authentication'],
];
const TEXTS: [string, string, string?][] = [
  ['default_email_locale', 'Default email locale'],
  ['default_time_zone', 'Default time zone', 'IANA name, e.g. Europe/Amsterdam'],
  ['session_idle_minutes', 'Session idle limit (minutes)'],
  ['session_max_hours', 'Session absolute limit (hours)'],
];
const SMTP: [string, string, string?][] = [
  ['host', 'SMTP host'],
  ['port', 'SMTP port'],
  ['from', 'Sender address'],
  ['username', 'SMTP username'],
];
const RMM: [string, string, string?][] = [
  ['url', 'RMM URL', 'https://, the VSA server (RMM-1)'],
  ['username', 'RMM username'],
];
const NUMERIC = new Set(['session_idle_minutes', 'session_max_hours', 'port']);

function str(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

export function AccountScreen({ session }: { session: SessionInfo }) {
  const admin = hasRole(session, 'account_administrator');
  const [acc, setAcc] = useState<Account | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [flags, setFlags] = useState<Record<string, boolean>>({});
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [smtp, setSmtp] = useState<Record<string, string>>({});
  const [starttls, setStarttls] = useState(false);
  const [smtpPassword, setSmtpPassword] = useState('');
  const [rmm, setRmm] = useState<Record<string, string>>({});
  const [rmmToken, setRmmToken] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  const fill = (a: Account) => {
    setAcc(a);
    const s = a.settings;
    setFlags(Object.fromEntries(FLAGS.map(([k]) => [k, s[k] === true])));
    setTexts(Object.fromEntries(TEXTS.map(([k]) => [k, str(s[k])])));
    setSmtp(Object.fromEntries(SMTP.map(([k]) => [k, str(s.smtp?.[k])])));
    setStarttls(s.smtp?.starttls === true);
    setSmtpPassword('');
    setRmm(Object.fromEntries(RMM.map(([k]) => [k, str(s.rmm?.[k])])));
    setRmmToken('');
  };
  useEffect(() => {
    getJson<Account>('/v1/account')
      .then((a) => {
        fill(a);
        window.setTimeout(() => heading.current?.focus(), 0);
      })
      .catch((err) => setLoadError(toError(err)));
  }, []);

  const errs = fieldErrors(error);
  const shown = [
    ...FLAGS.map(([k]) => `settings.${k}`),
    ...TEXTS.map(([k]) => `settings.${k}`),
    ...SMTP.map(([k]) => `settings.smtp.${k}`),
    'settings.smtp.password',
    ...RMM.map(([k]) => `settings.rmm.${k}`),
    'settings.rmm.token',
    'settings.rmm',
  ];

  const save = async (e: Event) => {
    e.preventDefault();
    if (!acc) return;
    const s = acc.settings;
    const patch: Record<string, unknown> = {};
    for (const [k] of FLAGS) if (flags[k] !== (s[k] === true)) patch[k] = flags[k];
    for (const [k] of TEXTS)
      if (texts[k].trim() !== str(s[k])) patch[k] = texts[k].trim() === '' ? null : NUMERIC.has(k) ? Number(texts[k]) : texts[k].trim();
    const sp: Record<string, unknown> = {};
    for (const [k] of SMTP)
      if (smtp[k].trim() !== str(s.smtp?.[k])) sp[k] = smtp[k].trim() === '' ? null : NUMERIC.has(k) ? Number(smtp[k]) : smtp[k].trim();
    if (starttls !== (s.smtp?.starttls === true)) sp.starttls = starttls;
    if (smtpPassword) sp.password = smtpPassword;
    if (Object.keys(sp).length) patch.smtp = sp;
    const rp: Record<string, unknown> = {};
    for (const [k] of RMM) if (rmm[k].trim() !== str(s.rmm?.[k])) rp[k] = rmm[k].trim() === '' ? null : rmm[k].trim();
    if (rmmToken) rp.token = rmmToken;
    if (Object.keys(rp).length) patch.rmm = rp;
    setError(null);
    setSaved(false);
    if (!Object.keys(patch).length) {
      setSaved(true);
      return;
    }
    try {
      fill(await send<Account>('PATCH', '/v1/account', { settings: patch }));
      setSaved(true);
    } catch (err) {
      const apiErr = toError(err);
      setError(apiErr);
      const first = apiErr.fields.find((f) => shown.includes(f.field));
      if (first) window.setTimeout(() => document.getElementById(first.field)?.focus(), 0);
    }
  };

  if (loadError)
    return (
      <main id="main" class="page">
        <h1>Account settings</h1>
        <ErrorMessage error={loadError} />
      </main>
    );
  if (!acc)
    return (
      <main id="main" class="page" aria-busy="true">
        <p role="status">Loading…</p>
      </main>
    );
  return (
    <main id="main" class="page">
      <AccountNav session={session} />
      <h1 ref={heading} tabIndex={-1}>
        Account settings: {acc.name}
      </h1>
      {!admin && <p class="notice">Only an account administrator can change these settings.</p>}

      <form class="card form" onSubmit={save} aria-label="Settings" data-testid="settings-form">
        <ErrorSummary error={error} shown={shown} />
        {saved && (
          <p class="notice" role="status" data-testid="settings-saved">
            Settings saved.
          </p>
        )}
        <fieldset class="field" disabled={!admin}>
          <legend>Options</legend>
          {FLAGS.map(([k, label]) => (
            <CheckField key={k} id={`settings.${k}`} label={label} checked={flags[k] ?? false} onChange={(v) => setFlags({ ...flags, [k]: v })} />
          ))}
        </fieldset>
        <fieldset class="field" disabled={!admin}>
          <legend>Defaults and sessions</legend>
          <div class="form-grid">
            {TEXTS.map(([k, label, hint]) => (
              <TextField
                key={k}
                id={`settings.${k}`}
                label={label}
                hint={hint}
                type={NUMERIC.has(k) ? 'number' : 'text'}
                value={texts[k] ?? ''}
                error={errs[`settings.${k}`]}
                onInput={(v) => setTexts({ ...texts, [k]: v })}
              />
            ))}
          </div>
        </fieldset>
        <fieldset class="field" disabled={!admin}>
          <legend>Outgoing mail (SMTP)</legend>
          <div class="form-grid">
            {SMTP.map(([k, label]) => (
              <TextField
                key={k}
                id={`settings.smtp.${k}`}
                label={label}
                type={NUMERIC.has(k) ? 'number' : 'text'}
                value={smtp[k] ?? ''}
                error={errs[`settings.smtp.${k}`]}
                onInput={(v) => setSmtp({ ...smtp, [k]: v })}
              />
            ))}
            <TextField
              id="settings.smtp.password"
              label="SMTP password"
              type="password"
              autocomplete="new-password"
              hint={acc.settings.smtp?.password_set ? 'A password is set; type a new one to replace it.' : 'Not set.'}
              value={smtpPassword}
              error={errs['settings.smtp.password']}
              onInput={setSmtpPassword}
            />
          </div>
          <CheckField id="settings.smtp.starttls" label="STARTTLS" checked={starttls} onChange={setStarttls} />
        </fieldset>
        <fieldset class="field" disabled={!admin}>
          <legend>RMM connection</legend>
          {errs['settings.rmm'] && <p class="field-error">{errs['settings.rmm']}</p>}
          <div class="form-grid">
            {RMM.map(([k, label, hint]) => (
              <TextField
                key={k}
                id={`settings.rmm.${k}`}
                label={label}
                hint={hint}
                value={rmm[k] ?? ''}
                error={errs[`settings.rmm.${k}`]}
                onInput={(v) => setRmm({ ...rmm, [k]: v })}
              />
            ))}
            <TextField
              id="settings.rmm.token"
              label="RMM token"
              type="password"
              autocomplete="new-password"
              hint={acc.settings.rmm?.token_set ? 'A token is set; type a new one to replace it.' : 'Not set.'}
              value={rmmToken}
              error={errs['settings.rmm.token']}
              onInput={setRmmToken}
            />
          </div>
        </fieldset>
        {admin && (
          <div class="actions">
            <button type="submit" class="button">
              Save settings
            </button>
          </div>
        )}
      </form>
      {admin && <Outbox />}
      {admin && <MailIn account={session.account.id} />}
    </main>
  );
}

interface OutboxMessage {
  id: number;
  kind: string;
  to: string;
  subject: string;
  state: string;
  attempts: number;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

/** ACC-8: the account's outgoing mail and how it went (administrators; never the text). */
function Outbox() {
  const [state, setState] = useState('');
  const list = usePagedList<OutboxMessage>(`/v1/outbox?per_page=25${state ? `&state=${state}` : ''}`);
  return (
    <section class="card" aria-labelledby="outbox-title">
      <h2 id="outbox-title">Outbox</h2>
      <div class="field-inline">
        <label for="outbox-state">State</label>
        <select id="outbox-state" value={state} onChange={(e) => setState((e.target as HTMLSelectElement).value)}>
          <option value="">All</option>
          <option value="queued">Queued</option>
          <option value="sending">Sending</option>
          <option value="sent">Sent</option>
          <option value="failed">Failed</option>
        </select>
      </div>
      {list.error && <ErrorMessage error={list.error} />}
      {list.items && list.items.length === 0 && <p class="empty">No messages.</p>}
      {list.items && list.items.length > 0 && (
        <ul class="plain-list" data-testid="outbox">
          {list.items.map((m) => (
            <li key={m.id}>
              <strong>{m.subject}</strong> <span class="muted">to {m.to}</span> <span class="badge">{m.state}</span>
              <span class="muted">
                {m.kind.replace(/_/g, ' ')}, {m.attempts} attempt{m.attempts === 1 ? '' : 's'}
                {m.last_error ? `: ${m.last_error}` : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
      {(list.next || list.hasPrevious) && <Pager list={list} label="Pages of the outbox" />}
    </section>
  );
}

interface MailInEntry {
  id: number;
  received_at: string;
  sender: string | null;
  message_id: string | null;
  outcome: string;
  request_id: number | null;
  person_id: number | null;
  reason: string | null;
}

/** CUST-9: mail in — how the account's mail server hands messages over (the inbound secret,
 *  shown once when made), and what became of each message received (administrators). */
function MailIn({ account }: { account: string }) {
  const list = usePagedList<MailInEntry>('/v1/mail/inbound?per_page=25');
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const rotate = async () => {
    if (!window.confirm('Make a new inbound secret? The mail server must then use the new one: the old one stops working.')) return;
    setError(null);
    try {
      setSecret((await send<{ secret: string }>('POST', '/v1/mail/inbound/secret')).secret);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
    }
  };
  return (
    <section class="card" aria-labelledby="mail-in-title">
      <h2 id="mail-in-title">Mail in</h2>
      <p class="hint">
        Your mail server hands each message for the service desk to rolodesk: piped to <code>rolodesk mail-in --account {account}</code>, or
        posted as <code>message/rfc822</code> to <code>/v1/mail/inbound</code> with the inbound secret as its bearer token. A new message
        raises a request; a reply adds a note to its request.
      </p>
      <p>
        <button type="button" class="button secondary" onClick={rotate}>
          New inbound secret
        </button>
      </p>
      {secret && (
        <p class="notice" role="status" data-testid="mail-in-secret">
          The new secret, shown only now: <code>Authorization: Bearer {secret}</code>
        </p>
      )}
      {error && <ErrorMessage error={error} />}
      {list.error && <ErrorMessage error={list.error} />}
      {list.items && list.items.length === 0 && <p class="empty">No message received yet.</p>}
      {list.items && list.items.length > 0 && (
        <ul class="plain-list" data-testid="mail-in">
          {list.items.map((m) => (
            <li key={m.id}>
              <span class="badge">{m.outcome}</span> <strong>{m.sender ?? 'no sender'}</strong>{' '}
              <span class="muted">{new Date(m.received_at).toLocaleString()}</span>
              {m.request_id && (
                <a href={`/requests/${m.request_id}`} onClick={linkClick}>
                  Request {m.request_id}
                </a>
              )}
              {m.reason && <span class="muted">{m.reason}</span>}
            </li>
          ))}
        </ul>
      )}
      {(list.next || list.hasPrevious) && <Pager list={list} label="Pages of the mail received" />}
    </section>
  );
}

interface Trust {
  account: { id: string; name: string };
  created_at: string;
}

export function TrustsScreen({ session }: { session: SessionInfo }) {
  const list = usePagedList<Trust>('/v1/account/trusts?per_page=25');
  const trusts = list.items;
  const loadError = list.error;
  const [account, setAccount] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  const load = () => list.reload();
  useEffect(() => {
    heading.current?.focus();
  }, []);

  const add = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setStatus(null);
    try {
      await send('POST', '/v1/account/trusts', { account: account.trim() });
      setStatus(`You now trust ${account.trim()}.`);
      setAccount('');
      load();
    } catch (err) {
      setError(toError(err));
    }
  };
  const remove = async (id: string) => {
    setError(null);
    setStatus(null);
    try {
      await send('DELETE', `/v1/account/trusts/${encodeURIComponent(id)}`);
      setConfirm(null);
      setStatus(`You no longer trust ${id}.`);
      load();
    } catch (err) {
      setError(toError(err));
    }
  };
  const errs = fieldErrors(error);

  return (
    <main id="main" class="page">
      <AccountNav session={session} />
      <h1 ref={heading} tabIndex={-1}>
        Trusted accounts
      </h1>
      <p class="muted">
        The accounts yours trusts (TRUST-1). A provider's organizations show in your All Organizations view only while you
        trust it and an agreement with it is active; withdrawing a trust hides them at once.
      </p>
      {loadError && <ErrorMessage error={loadError} />}
      {status && (
        <p class="notice" role="status" data-testid="trust-status">
          {status}
        </p>
      )}
      <ErrorSummary error={error} shown={['account']} />
      {trusts && trusts.length === 0 && <p class="empty">Your account trusts no other account.</p>}
      {trusts && trusts.length > 0 && (
        <ul class="org-list" data-testid="trusts">
          {trusts.map((t) => (
            <li key={t.account.id} class="org">
              <span class="org-name">{t.account.name}</span>
              <span class="org-place">
                {t.account.id}, since {t.created_at.slice(0, 10)}
              </span>
              <span class="row-actions">
                {confirm === t.account.id ? (
                  <>
                    <button type="button" class="button danger small" onClick={() => remove(t.account.id)}>
                      Confirm: stop trusting {t.account.name}
                    </button>
                    <button type="button" class="button secondary small" onClick={() => setConfirm(null)}>
                      Keep
                    </button>
                  </>
                ) : (
                  <button type="button" class="button secondary small" aria-label={`Remove the trust in ${t.account.name}`} onClick={() => setConfirm(t.account.id)}>
                    Remove
                  </button>
                )}
              </span>
            </li>
          ))}
        </ul>
      )}
      {(list.next || list.hasPrevious) && <Pager list={list} />}
      {!loadError && (
        <form class="inline-form" onSubmit={add}>
          <TextField id="account" label="Trust the account (its ID)" value={account} onInput={setAccount} error={errs.account} required />
          <button type="submit" class="button">
            Add trust
          </button>
        </form>
      )}
    </main>
  );
}

export function TeamsScreen({ session }: { session: SessionInfo }) {
  const list = usePagedList<Team>('/v1/teams?per_page=25');
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <main id="main" class="page">
      <h1 ref={heading} tabIndex={-1}>
        Teams
      </h1>
      {writesTeams(session) && (
        <p>
          <a class="button" href="/teams/new" onClick={linkClick}>
            New team
          </a>
        </p>
      )}
      {list.error && <ErrorMessage error={list.error} />}
      {list.items && list.items.length === 0 && <p class="empty">No teams.</p>}
      {list.items && list.items.length > 0 && (
        <div class="grid" data-testid="teams">
          {list.items.map((t) => (
            <section key={t.id} class="card" aria-labelledby={`team-${t.id}`}>
              <h2 id={`team-${t.id}`}>{t.name}</h2>
              <ol class="layers">
                {t.layers.map((l, i) => (
                  <li key={i}>
                    <span class="muted">Layer {i + 1}:</span> {l.members.map((m) => m.name).join(', ') || 'no members'}
                  </li>
                ))}
              </ol>
              {writesTeams(session) && (
                <a href={`/teams/${t.id}/edit`} onClick={linkClick} aria-label={`Edit ${t.name}`}>
                  Edit
                </a>
              )}
            </section>
          ))}
        </div>
      )}
      <Pager list={list} />
    </main>
  );
}
