// Services and agreements (issue 16, TRUST-2, TRUST-6), read only for staff: the
// account's services with their provider, its SLAs and FLSAs with their customer, the
// customer's account and the computed status, each list one page at a time.
import { useEffect, useRef } from 'preact/hooks';
import type { AccountRef, Ref } from '../api';
import { linkClick } from '../router';
import { ErrorMessage } from './error';
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

function Section({ title, path, testid, row }: { title: string; path: string; testid: string; row: (a: Agreement) => preact.JSX.Element }) {
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
            <li key={a.id}>{row(a)}</li>
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

export function AgreementsScreen() {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <main id="main" class="page">
      <h1 ref={heading} tabIndex={-1}>
        Services and agreements
      </h1>
      <div class="stack">
        <Section
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
          title="Service level agreements"
          path="/v1/slas?per_page=25"
          testid="slas"
          row={(a) => (
            <>
              <strong>{a.service?.name}</strong> <span class="muted">for</span> <OrgLink r={a.customer} />
              {a.customer_account && <span class="badge">{a.customer_account.name}</span>}
              <span class="badge">{a.status}</span> <span class="muted">{period(a)}</span>
            </>
          )}
        />
        <Section
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
      </div>
    </main>
  );
}
