// Services and agreements (issue 16, TRUST-2, TRUST-6), for staff: the account's services
// with their provider, its SLAs and FLSAs with their customer, the customer's account and
// the computed status, each list one page at a time. Service level managers and
// administrators add services (provider: an own organization) and SLAs (customer: an
// organization of the All Organizations view; another account's only with its consent,
// else the API's 422 is shown at the field) and cancel SLAs.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, getPage, send, type AccountRef, type Organization, type Ref } from '../api';
import { linkClick } from '../router';
import { hasRole, type SessionInfo } from '../session';
import { ErrorMessage } from './error';
import { ErrorSummary, SelectField, TextField, fieldErrors } from './form';
import { Pager, usePagedList } from './pager';

interface Agreement {
  id: number;
  name?: string;
  provider?: Ref | null;
  service?: Ref | null;
  customer?: Ref | null;
  customer_account?: AccountRef | null;
  service_desk_team?: Ref | null;
  start_date?: string | null;
  expiry_date?: string | null;
  status?: string;
}

function OrgLink({ r }: { r?: Ref | null }) {
  return r ? (
    <a href={`/organizations/${r.id}`} onClick={linkClick}>
      {r.name}
    </a>
  ) : null;
}

function Section({ title, path, testid, row }: { title: string; path: string; testid: string; row: (a: Agreement, reload: () => void) => preact.JSX.Element }) {
  const list = usePagedList<Agreement>(path);
  const id = `${testid}-title`;
  return (
    <section class="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {list.error && <ErrorMessage error={list.error} />}
      {list.items && list.items.length === 0 && <p class="empty">None.</p>}
      {list.items && list.items.length > 0 && (
        <ul class="plain-list" data-testid={testid}>
          {list.items.map((a) => (
            <li key={a.id}>{row(a, list.reload)}</li>
          ))}
        </ul>
      )}
      {(list.next || list.hasPrevious) && <Pager list={list} label={`Pages of ${title}`} />}
    </section>
  );
}

function period(a: Agreement): string {
  return `${a.start_date ?? '—'} to ${a.expiry_date ?? 'open end'}`;
}

function toError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(0, String(err));
}

/** Cancel an SLA (PATCH cancelled: true), with a second click. */
function CancelSla({ a, onDone }: { a: Agreement; onDone: () => void }) {
  const [confirm, setConfirm] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  if (a.status === 'cancelled' || a.status === 'expired') return null;
  const cancel = async () => {
    try {
      await send('PATCH', `/v1/slas/${a.id}`, { cancelled: true });
      onDone();
    } catch (err) {
      setError(toError(err));
    }
  };
  const name = `${a.service?.name ?? 'SLA'} for ${a.customer?.name ?? ''}`;
  return (
    <span class="row-actions">
      {confirm ? (
        <>
          <button type="button" class="button danger small" onClick={cancel}>
            Confirm: cancel {name}
          </button>
          <button type="button" class="button secondary small" onClick={() => setConfirm(false)}>
            Keep
          </button>
        </>
      ) : (
        <button type="button" class="button secondary small" aria-label={`Cancel the SLA ${name}`} onClick={() => setConfirm(true)}>
          Cancel
        </button>
      )}
      {error && <ErrorMessage error={error} />}
    </span>
  );
}

function NewService({ onCreated }: { onCreated: (name: string) => void }) {
  const [name, setName] = useState('');
  const [provider, setProvider] = useState('');
  const [orgs, setOrgs] = useState<Organization[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    getPage<Organization>('/v1/organizations?per_page=100')
      .then((p) => setOrgs(p.items))
      .catch(() => setOrgs([]));
  }, []);
  const errs = fieldErrors(error);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await send('POST', '/v1/services', { name: name.trim(), provider: provider ? { id: Number(provider) } : null });
      onCreated(name.trim());
      setName('');
    } catch (err) {
      setError(toError(err));
    }
  };
  return (
    <form class="card form" onSubmit={submit} aria-labelledby="new-service-title" noValidate data-testid="new-service">
      <h2 id="new-service-title">New service</h2>
      <ErrorSummary error={error} shown={['name', 'provider']} />
      <div class="form-grid">
        <TextField id="service-name" label="Service name" value={name} onInput={setName} error={errs.name} required maxLength={128} />
        <SelectField id="service-provider" label="Provider organization" value={provider} onChange={setProvider} error={errs.provider}>
          <option value="">Choose…</option>
          {orgs.map((o) => (
            <option key={o.id} value={String(o.id)}>
              {o.name}
            </option>
          ))}
        </SelectField>
      </div>
      <div class="actions">
        <button type="submit" class="button">
          Add service
        </button>
      </div>
    </form>
  );
}

function NewSla({ version, onCreated }: { version: number; onCreated: (name: string) => void }) {
  const [service, setService] = useState('');
  const [customer, setCustomer] = useState('');
  const [start, setStart] = useState(new Date().toISOString().slice(0, 10));
  const [expiry, setExpiry] = useState('');
  const [services, setServices] = useState<Agreement[]>([]);
  const [orgs, setOrgs] = useState<Organization[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    getPage<Agreement>('/v1/services?per_page=100')
      .then((p) => setServices(p.items))
      .catch(() => setServices([]));
  }, [version]);
  useEffect(() => {
    getPage<Organization>('/v1/organizations/all?per_page=100')
      .then((p) => setOrgs(p.items))
      .catch(() => setOrgs([]));
  }, []);
  const errs = fieldErrors(error);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const body: Record<string, unknown> = {
      service: service ? { id: Number(service) } : null,
      customer: customer ? { id: Number(customer) } : null,
    };
    if (start) body.start_date = start;
    if (expiry) body.expiry_date = expiry;
    try {
      await send('POST', '/v1/slas', body);
      const s = services.find((x) => String(x.id) === service);
      const c = orgs.find((x) => String(x.id) === customer);
      onCreated(`${s?.name} for ${c?.name}`);
    } catch (err) {
      const apiErr = toError(err);
      setError(apiErr);
      const first = apiErr.fields.find((f) => ['service', 'customer', 'start_date', 'expiry_date'].includes(f.field));
      if (first) window.setTimeout(() => document.getElementById(`sla-${first.field}`)?.focus(), 0);
    }
  };
  return (
    <form class="card form" onSubmit={submit} aria-labelledby="new-sla-title" noValidate data-testid="new-sla">
      <h2 id="new-sla-title">New service level agreement</h2>
      <ErrorSummary error={error} shown={['service', 'customer', 'start_date', 'expiry_date']} />
      <div class="form-grid">
        <SelectField id="sla-service" label="Service" value={service} onChange={setService} error={errs.service}>
          <option value="">Choose…</option>
          {services.map((x) => (
            <option key={x.id} value={String(x.id)}>
              {x.name}
            </option>
          ))}
        </SelectField>
        <SelectField id="sla-customer" label="Customer organization" value={customer} onChange={setCustomer} error={errs.customer}>
          <option value="">Choose…</option>
          {orgs.map((o) => (
            <option key={o.id} value={String(o.id)}>
              {o.foreign ? `${o.name} (${o.account.name})` : o.name}
            </option>
          ))}
        </SelectField>
        <TextField id="sla-start_date" label="Start date" type="date" value={start} onInput={setStart} error={errs.start_date} required />
        <TextField id="sla-expiry_date" label="Expiry date (optional)" type="date" value={expiry} onInput={setExpiry} error={errs.expiry_date} />
      </div>
      <div class="actions">
        <button type="submit" class="button">
          Add SLA
        </button>
      </div>
    </form>
  );
}

/** TRUST-2: a first line support agreement: an own provider organization, a customer
 *  organization (own, or of an account that trusts this one) and the service desk team. */
function NewFlsa({ onCreated }: { onCreated: (name: string) => void }) {
  const [provider, setProvider] = useState('');
  const [customer, setCustomer] = useState('');
  const [team, setTeam] = useState('');
  const [start, setStart] = useState(new Date().toISOString().slice(0, 10));
  const [expiry, setExpiry] = useState('');
  const [own, setOwn] = useState<Organization[]>([]);
  const [all, setAll] = useState<Organization[]>([]);
  const [teams, setTeams] = useState<Ref[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    getPage<Organization>('/v1/organizations?per_page=100').then((p) => setOwn(p.items), () => setOwn([]));
    getPage<Organization>('/v1/organizations/all?per_page=100').then((p) => setAll(p.items), () => setAll([]));
    getPage<Ref>('/v1/teams?per_page=100').then((p) => setTeams(p.items), () => setTeams([]));
  }, []);
  const errs = fieldErrors(error);
  const fields = ['provider', 'customer', 'service_desk_team', 'start_date', 'expiry_date'];
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const body: Record<string, unknown> = {
      provider: provider ? { id: Number(provider) } : null,
      customer: customer ? { id: Number(customer) } : null,
      service_desk_team: team ? { id: Number(team) } : null,
    };
    if (start) body.start_date = start;
    if (expiry) body.expiry_date = expiry;
    try {
      await send('POST', '/v1/flsas', body);
      const p = own.find((x) => String(x.id) === provider);
      const c = all.find((x) => String(x.id) === customer);
      onCreated(`${p?.name} for ${c?.name}`);
    } catch (err) {
      const apiErr = toError(err);
      setError(apiErr);
      const first = apiErr.fields.find((f) => fields.includes(f.field));
      if (first) window.setTimeout(() => document.getElementById(`flsa-${first.field}`)?.focus(), 0);
    }
  };
  return (
    <form class="card form" onSubmit={submit} aria-labelledby="new-flsa-title" noValidate data-testid="new-flsa">
      <h2 id="new-flsa-title">New first line support agreement</h2>
      <ErrorSummary error={error} shown={fields} />
      <div class="form-grid">
        <SelectField id="flsa-provider" label="Provider organization" value={provider} onChange={setProvider} error={errs.provider}>
          <option value="">Choose…</option>
          {own.map((o) => (
            <option key={o.id} value={String(o.id)}>
              {o.name}
            </option>
          ))}
        </SelectField>
        <SelectField id="flsa-customer" label="Customer organization" value={customer} onChange={setCustomer} error={errs.customer}>
          <option value="">Choose…</option>
          {all.map((o) => (
            <option key={o.id} value={String(o.id)}>
              {o.foreign ? `${o.name} (${o.account.name})` : o.name}
            </option>
          ))}
        </SelectField>
        <SelectField id="flsa-service_desk_team" label="Service desk team" value={team} onChange={setTeam} error={errs.service_desk_team}>
          <option value="">None</option>
          {teams.map((t) => (
            <option key={t.id} value={String(t.id)}>
              {t.name}
            </option>
          ))}
        </SelectField>
        <TextField id="flsa-start_date" label="Start date" type="date" value={start} onInput={setStart} error={errs.start_date} required />
        <TextField id="flsa-expiry_date" label="Expiry date (optional)" type="date" value={expiry} onInput={setExpiry} error={errs.expiry_date} />
      </div>
      <div class="actions">
        <button type="submit" class="button">
          Add FLSA
        </button>
      </div>
    </form>
  );
}

export function AgreementsScreen({ session }: { session: SessionInfo }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const [version, setVersion] = useState(0);
  const [status, setStatus] = useState<string | null>(null);
  const writer = hasRole(session, 'account_administrator', 'service_level_manager');
  useEffect(() => heading.current?.focus(), []);
  const created = (msg: string) => {
    setStatus(msg);
    setVersion((v) => v + 1);
  };
  return (
    <main id="main" class="page">
      <h1 ref={heading} tabIndex={-1}>
        Services and agreements
      </h1>
      {status && (
        <p class="notice" role="status" data-testid="agreement-status">
          {status}
        </p>
      )}
      <div class="stack">
        <Section
          key={`services-${version}`}
          title="Services"
          path="/v1/services?per_page=25"
          testid="services"
          row={(s) => (
            <>
              <strong>{s.name}</strong> <span class="muted">provided by</span> <OrgLink r={s.provider} />
            </>
          )}
        />
        <Section
          key={`slas-${version}`}
          title="Service level agreements"
          path="/v1/slas?per_page=25"
          testid="slas"
          row={(a, reload) => (
            <>
              <strong>{a.service?.name}</strong> <span class="muted">for</span> <OrgLink r={a.customer} />
              {a.customer_account && <span class="badge">{a.customer_account.name}</span>}
              <span class="badge">{a.status}</span> <span class="muted">{period(a)}</span>
              {writer && <CancelSla a={a} onDone={reload} />}
            </>
          )}
        />
        <Section
          key={`flsas-${version}`}
          title="First line support agreements"
          path="/v1/flsas?per_page=25"
          testid="flsas"
          row={(a) => (
            <>
              <OrgLink r={a.provider} /> <span class="muted">for</span> <OrgLink r={a.customer} />
              {a.customer_account && <span class="badge">{a.customer_account.name}</span>}
              {a.service_desk_team && <span class="muted">team {a.service_desk_team.name}</span>}
              <span class="badge">{a.status}</span> <span class="muted">{period(a)}</span>
            </>
          )}
        />
        {writer && <NewService onCreated={(n) => created(`Service ${n} added.`)} />}
        {writer && <NewSla version={version} onCreated={(n) => created(`SLA ${n} added.`)} />}
        {writer && <NewFlsa onCreated={(n) => created(`FLSA ${n} added.`)} />}
      </div>
    </main>
  );
}
