// Contracts (issue 16; CUST-8): the list (GET /v1/contracts, by customer or organizational
// unit, one page at a time), one contract with its terms and its use (GET .../usage: the
// minutes counted against it, per request), "Start today" for a contract pending for its
// start date (POST .../enable) and the create form (administrators, supervisors and
// service level managers), each API field error at its field. Staff read; a customer
// reads its own, its unit's and its items' contracts and is offered no action.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiError } from '../api';
import {
  asApiError,
  CONTRACT_TYPES,
  createContract,
  enableContract,
  getContract,
  getUsage,
  isStaff,
  patchContract,
  listPath,
  managesContracts,
  usePaged,
  words,
  type Contract,
  type ContractUsage,
} from '../desk-api';
import { linkClick, navigate } from '../router';
import type { SessionInfo } from '../session';
import { ErrorMessage } from './error';
import {
  Back,
  Details,
  duration,
  errorsFor,
  FieldMessage,
  FormError,
  Pager,
  RecordSelect,
  RefLink,
  setParam,
  useHeadingFocus,
  useRecordPage,
  ValueSelect,
} from './desk-requests';

function holder(c: Contract): string {
  return c.customer?.name ?? c.organization?.name ?? (c.item ? `Item: ${c.item.name}` : '');
}

function status(c: Contract): string {
  return c.status === 'pending' && c.pending_reason ? `Pending (${words(c.pending_reason)})` : words(c.status);
}

export function ContractsScreen({ query, session }: { query: URLSearchParams; session: SessionInfo }) {
  const staff = isStaff(session);
  const f = (k: string) => query.get(k) ?? '';
  const filters = { customer: f('customer'), organization: f('organization') };
  const list = usePaged<Contract>(listPath('/v1/contracts', filters));
  const heading = useRef<HTMLHeadingElement>(null);
  const set = (k: string) => (v: string) => setParam('/contracts', k, v);
  return (
    <main id="main" class="page">
      <div class="title-row">
        <h1 ref={heading} tabIndex={-1}>
          Contracts
        </h1>
        {managesContracts(session) && (
          <a class="button" href="/contracts/new" onClick={linkClick}>
            New contract
          </a>
        )}
      </div>
      {staff && (
        <form class="filters" aria-label="Filter contracts" onSubmit={(e) => e.preventDefault()}>
          <RecordSelect id="contract-customer" label="Customer" path="/v1/people?role=customer&per_page=100" value={filters.customer} onChange={set('customer')} />
          <RecordSelect id="contract-org" label="Organizational unit" path="/v1/organizations?per_page=100" value={filters.organization} onChange={set('organization')} />
        </form>
      )}
      <p class="sr-only" role="status" aria-live="polite">
        {list.loading ? 'Loading…' : list.items ? `${list.items.length} contracts shown` : ''}
      </p>
      {list.error && <ErrorMessage error={list.error} />}
      {list.items && list.items.length === 0 && <p class="empty">No contracts.</p>}
      {list.items && list.items.length > 0 && (
        <div class="table-wrap">
          <table class="records" data-testid="contract-list">
            <caption class="sr-only">Contracts</caption>
            <thead>
              <tr>
                <th scope="col">Contract</th>
                <th scope="col">Holder</th>
                <th scope="col">Service level</th>
                <th scope="col">Status</th>
                <th scope="col">Period</th>
                <th scope="col">Used</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((c) => (
                <tr key={c.id}>
                  <td data-label="Contract">
                    <a href={`/contracts/${c.id}`} onClick={linkClick} class="record-name">
                      {words(c.type)} {c.id}
                    </a>
                  </td>
                  <td data-label="Holder">{holder(c)}</td>
                  <td data-label="Service level">{c.sla?.name}</td>
                  <td data-label="Status">{status(c)}</td>
                  <td data-label="Period">
                    {c.start_date}
                    {c.end_date ? ` – ${c.end_date}` : ''}
                  </td>
                  <td data-label="Used">
                    {duration(c.used_minutes ?? 0)}
                    {c.allowance_minutes !== null && c.allowance_minutes !== undefined ? ` of ${duration(c.allowance_minutes)}` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager list={list} label="Contracts" />
    </main>
  );
}

function UsageCard({ id, version }: { id: number; version: unknown }) {
  const [usage, setUsage] = useState<ContractUsage | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    getUsage(id)
      .then(setUsage)
      .catch((err) => setError(asApiError(err)));
  }, [id, version]);
  return (
    <section class="card" aria-labelledby="usage-title">
      <h2 id="usage-title">Use</h2>
      {error && <ErrorMessage error={error} />}
      {usage && (
        <>
          <Details
            rows={[
              ['Used', <span data-testid="usage-used">{duration(usage.used_minutes)}</span>],
              ['Available', usage.allowance_minutes === null ? 'No limit (subscription)' : duration(usage.allowance_minutes)],
              ['This period', usage.period_start ? `${usage.period_start} – ${usage.period_end ?? ''}` : null],
            ]}
          />
          {usage.requests.length === 0 ? (
            <p class="empty">No time counted against it yet.</p>
          ) : (
            <div class="table-wrap">
              <table class="records" data-testid="usage-requests">
                <caption>Time per request</caption>
                <thead>
                  <tr>
                    <th scope="col">Request</th>
                    <th scope="col">Time</th>
                    <th scope="col">Entries</th>
                  </tr>
                </thead>
                <tbody>
                  {usage.requests.map((r) => (
                    <tr key={r.request.id}>
                      <td data-label="Request">
                        <a href={`/requests/${r.request.id}`} onClick={linkClick}>
                          {r.request.subject}
                        </a>
                      </td>
                      <td data-label="Time">{duration(r.minutes)}</td>
                      <td data-label="Entries">{r.entries}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}

export function ContractScreen({ id, session }: { id: number; session: SessionInfo }) {
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const [done, setDone] = useState('');
  const back = <Back href="/contracts" label="Contracts" />;
  const { record: c, setRecord: setC, gate } = useRecordPage(getContract, id, back, `Contract ${id}`);
  const heading = useHeadingFocus(c?.id);
  if (!c) return gate;
  const staff = isStaff(session);
  const run = async (what: () => Promise<Contract | null>, message: string) => {
    setDone('');
    try {
      const x = await what();
      if (x) setC(x);
      setActionError(null);
      setDone(message);
    } catch (err) {
      setActionError(asApiError(err));
    }
  };
  const manager = managesContracts(session);
  const holderRow: [string, preact.ComponentChildren] = c.customer
    ? ['Customer', c.customer.name]
    : c.organization
      ? ['Organizational unit', <RefLink base={staff ? '/organizations' : undefined} r={c.organization} />]
      : ['Item', <RefLink base="/items" r={c.item} />];
  return (
    <main id="main" class="page">
      {back}
      <div class="title-row">
        <h1 ref={heading} tabIndex={-1}>
          {words(c.type)} contract {c.id}
        </h1>
        <span class="badge" data-testid="contract-status">
          {status(c)}
        </span>
        {manager && (
          <a class="button secondary" href={`/contracts/${c.id}/edit`} onClick={linkClick}>
            Edit
          </a>
        )}
      </div>
      <div class="grid">
        <section class="card" aria-labelledby="contract-terms">
          <h2 id="contract-terms">Terms</h2>
          <Details
            rows={[
              holderRow,
              ['Service level', c.sla?.name],
              ['Start date', <span data-testid="contract-start">{c.start_date}</span>],
              ['End date', c.end_date],
              ['Hours', c.hours],
              ['Hours per month', c.monthly_hours],
              ['Rollover day', c.rollover_day],
              ['Carry over', c.type === 'monthly_hours' ? (c.carry_over ? 'Yes' : 'No') : null],
              ['Invoice paid', c.invoice_paid === false ? 'No' : 'Yes'],
              ['Cancelled', c.cancelled ? 'Yes' : null],
            ]}
          />
          {c.notes && <p class="remarks">{c.notes}</p>}
          {manager && (
            <div class="actions">
              {c.status === 'pending' && c.pending_reason === 'start' && (
                <button type="button" class="button" onClick={() => run(() => enableContract(c.id), 'The contract starts today.')}>
                  Start today
                </button>
              )}
              {c.invoice_paid === false && !c.cancelled && (
                <button type="button" class="button secondary" onClick={() => run(() => patchContract(c.id, { invoice_paid: true }), 'Invoice marked paid.')}>
                  Mark invoice paid
                </button>
              )}
              {!c.cancelled && c.status !== 'expired' && (
                <button
                  type="button"
                  class="button secondary"
                  onClick={() => window.confirm(`Cancel contract ${c.id}?`) && run(() => patchContract(c.id, { cancelled: true }), 'Contract cancelled.')}
                >
                  Cancel contract
                </button>
              )}
            </div>
          )}
          {actionError && <ErrorMessage error={actionError} />}
          <p role="status" class="muted">
            {done}
          </p>
        </section>
        <UsageCard id={c.id} version={c.start_date} />
      </div>
    </main>
  );
}

const CONTRACT_FIELDS = ['type', 'customer', 'organization', 'item', 'sla', 'start_date', 'end_date', 'hours', 'monthly_hours', 'rollover_day', 'notes'];

export function ContractFormScreen({ id = null, session }: { id?: number | null; session: SessionInfo }) {
  const [v, setV] = useState<Record<string, string>>({ type: 'subscription', holder: 'customer' });
  const [carry, setCarry] = useState(false);
  const [paid, setPaid] = useState(true);
  const [loaded, setLoaded] = useState<Contract | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
    if (!id) return;
    getContract(id)
      .then((c) => {
        setLoaded(c);
        const str = (x: unknown) => (x === null || x === undefined ? '' : String(x));
        setV({
          type: c.type,
          holder: c.customer ? 'customer' : c.organization ? 'organization' : 'item',
          sla: str(c.sla?.id),
          start_date: c.start_date,
          end_date: str(c.end_date),
          hours: str(c.hours),
          monthly_hours: str(c.monthly_hours),
          rollover_day: str(c.rollover_day),
          notes: str(c.notes),
        });
        setCarry(!!c.carry_over);
        setPaid(c.invoice_paid !== false);
      })
      .catch((err) => setError(asApiError(err)));
  }, [id]);
  const title = id ? `Edit contract ${id}` : 'New contract';
  if (!managesContracts(session))
    return (
      <main id="main" class="page">
        <Back href="/contracts" label="Contracts" />
        <h1>{title}</h1>
        <p class="error" role="alert" data-testid="api-error">
          You are not allowed to do this. Administrators, supervisors and service level managers add contracts.
        </p>
      </main>
    );
  const bad = (f: string) => (errorsFor(error, f).length ? { 'aria-invalid': true, 'aria-describedby': `contract-${f}-error` } : {});
  const input = (k: string, label: string, type = 'text', extra: Record<string, unknown> = {}) => (
    <div class="field">
      <label for={`contract-${k}`}>{label}</label>
      <input id={`contract-${k}`} type={type} value={v[k] ?? ''} {...extra} {...bad(k)} onInput={(e) => setV({ ...v, [k]: (e.target as HTMLInputElement).value })} />
      <FieldMessage id={`contract-${k}`} error={error} field={k} />
    </div>
  );
  const select = (k: string, label: string, path: string, labelOf?: (r: Record<string, unknown>) => string) => (
    <div>
      <RecordSelect
        id={`contract-${k}`}
        label={label}
        none="Choose…"
        path={path}
        value={v[k] ?? ''}
        labelOf={labelOf}
        invalid={errorsFor(error, k).length > 0}
        describedBy={errorsFor(error, k).length ? `contract-${k}-error` : undefined}
        onChange={(s) => setV({ ...v, [k]: s })}
      />
      <FieldMessage id={`contract-${k}`} error={error} field={k} />
    </div>
  );
  const t = v.type;
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const num = (x?: string) => (x ? Number(x) : null);
    // The terms as the form now says, null where the type has no such term.
    const terms: Record<string, unknown> = {
      type: t,
      sla: v.sla ? { id: Number(v.sla) } : undefined,
      start_date: v.start_date || undefined,
      end_date: t === 'subscription' || t === 'time_limited' ? v.end_date || null : null,
      hours: t === 'time_limited' || t === 'hours' ? num(v.hours) : null,
      monthly_hours: t === 'monthly_hours' ? num(v.monthly_hours) : null,
      rollover_day: t === 'monthly_hours' ? num(v.rollover_day) : null,
      carry_over: t === 'monthly_hours' ? carry : false,
      invoice_paid: paid,
      notes: v.notes?.trim() || null,
    };
    const body: Record<string, unknown> = {};
    if (loaded) {
      // An edit sends what changed (the holder is fixed at creation).
      const was: Record<string, unknown> = { ...loaded, sla: loaded.sla ? { id: loaded.sla.id } : undefined };
      for (const [k, x] of Object.entries(terms))
        if (x !== undefined && JSON.stringify(x) !== JSON.stringify(was[k] ?? (k === 'carry_over' ? false : null))) body[k] = x;
    } else {
      for (const [k, x] of Object.entries(terms)) if (x !== undefined && x !== null) body[k] = x;
      if (v[v.holder]) body[v.holder] = { id: Number(v[v.holder]) };
    }
    try {
      const c = loaded ? await patchContract(loaded.id, body) : await createContract(body);
      if (c) navigate(`/contracts/${c.id}`);
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="page">
      <Back href={id ? `/contracts/${id}` : '/contracts'} label={id ? 'Contract' : 'Contracts'} />
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      <form class="card stack form" onSubmit={submit} noValidate>
        <FormError error={error} shown={CONTRACT_FIELDS} />
        <div class="field-row">
          <div>
            <ValueSelect id="contract-type" label="Type" values={CONTRACT_TYPES} value={t} none={null} onChange={(s) => setV({ ...v, type: s })} />
            <FieldMessage id="contract-type" error={error} field="type" />
          </div>
          {select('sla', 'Service level agreement', '/v1/slas?per_page=100', (r) => {
            const s = r as { id: number; service?: { name?: string }; customer?: { name?: string } };
            return `${s.service?.name ?? 'SLA'} for ${s.customer?.name ?? '?'} (${s.id})`;
          })}
        </div>
        {loaded ? (
          <p>
            Held by <strong>{holder(loaded)}</strong> (fixed when the contract was made).
          </p>
        ) : (
        <fieldset class="field-row">
          <legend>Held by</legend>
          {(['customer', 'organization', 'item'] as const).map((h) => (
            <label key={h} class="check">
              <input type="radio" name="holder" value={h} checked={v.holder === h} onChange={() => setV({ ...v, holder: h })} /> {h === 'organization' ? 'Organizational unit' : words(h)}
            </label>
          ))}
        </fieldset>
        )}
        {!loaded && v.holder === 'customer' && select('customer', 'Customer', '/v1/people?role=customer&per_page=100')}
        {!loaded && v.holder === 'organization' && select('organization', 'Organizational unit', '/v1/organizations?per_page=100')}
        {!loaded && v.holder === 'item' && select('item', 'Item', '/v1/items?per_page=100', (r) => `${r.number as string} ${r.name as string}`)}
        <div class="field-row">
          {input('start_date', 'Start date (default today)', 'date')}
          {(t === 'subscription' || t === 'time_limited') && input('end_date', 'End date', 'date')}
          {(t === 'time_limited' || t === 'hours') && input('hours', 'Support hours', 'number', { min: 1, max: 100000 })}
          {t === 'monthly_hours' && input('monthly_hours', 'Hours per month', 'number', { min: 1, max: 10000 })}
          {t === 'monthly_hours' && input('rollover_day', 'Rollover day (1–28)', 'number', { min: 1, max: 28 })}
        </div>
        {t === 'monthly_hours' && (
          <label class="check">
            <input type="checkbox" checked={carry} onChange={(e) => setCarry((e.target as HTMLInputElement).checked)} /> Carry unused minutes over
          </label>
        )}
        <label class="check">
          <input type="checkbox" checked={paid} onChange={(e) => setPaid((e.target as HTMLInputElement).checked)} /> Invoice paid
        </label>
        <div class="field">
          <label for="contract-notes">Notes</label>
          <textarea id="contract-notes" rows={3} value={v.notes ?? ''} {...bad('notes')} onInput={(e) => setV({ ...v, notes: (e.target as HTMLTextAreaElement).value })} />
          <FieldMessage id="contract-notes" error={error} field="notes" />
        </div>
        <div>
          <button type="submit" class="button" disabled={busy || (!!id && !loaded)}>
            {id ? 'Save contract' : 'Add contract'}
          </button>
        </div>
      </form>
    </main>
  );
}
