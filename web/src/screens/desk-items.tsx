// Items (issue 16; CUST-7): the list (GET /v1/items) with its filters in the URL (q,
// organization, status, category), one page at a time, and CSV and Excel exports of the
// same filters; one item with its owners, the people it is shared with and its contracts
// (GET /v1/contracts?item=); create and edit for staff, each API field error shown at its
// field. A customer sees only the items it owns or that are shared with it, and no
// create or edit action.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiError } from '../api';
import {
  asApiError,
  deleteItem,
  getItem,
  isStaff,
  ITEM_STATUSES,
  listPath,
  saveItem,
  usePaged,
  useChoices,
  words,
  type Contract,
  type Item,
} from '../desk-api';
import { linkClick, navigate } from '../router';
import type { SessionInfo } from '../session';
import { ErrorMessage } from './error';
import {
  Back,
  Details,
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

const DEBOUNCE_MS = 250;

export function ItemsScreen({ query, session }: { query: URLSearchParams; session: SessionInfo }) {
  const staff = isStaff(session);
  const f = (k: string) => query.get(k) ?? '';
  const filters = { q: f('q'), organization: f('organization'), person: f('person'), status: f('status'), category: f('category') };
  const list = usePaged<Item>(listPath('/v1/items', filters));
  const [text, setText] = useState(filters.q);
  const [category, setCategory] = useState(filters.category);
  const heading = useRef<HTMLHeadingElement>(null);
  const set = (k: string) => (v: string) => setParam('/items', k, v);

  // The free text and category go to the URL (and the API) once the person pauses.
  useEffect(() => {
    if (text.trim() === filters.q && category.trim() === filters.category) return;
    const timer = window.setTimeout(() => {
      const params = new URLSearchParams(window.location.search);
      for (const [k, v] of [['q', text.trim()], ['category', category.trim()]]) {
        if (v) params.set(k, v);
        else params.delete(k);
      }
      navigate(`/items?${params}`, true);
    }, DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [text, category]);

  const exportQuery = new URLSearchParams(Object.entries(filters).filter(([, v]) => v)).toString();
  return (
    <main id="main" class="page">
      <div class="title-row">
        <h1 ref={heading} tabIndex={-1}>
          Items
        </h1>
        {staff && (
          <a class="button" href="/items/new" onClick={linkClick}>
            New item
          </a>
        )}
      </div>
      <form class="filters" aria-label="Filter items" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="item-q">Search</label>
          <input id="item-q" type="search" autocomplete="off" placeholder="Number, name, serial…" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        </div>
        {staff && <RecordSelect id="item-org" label="Organization" path="/v1/organizations?per_page=100" value={filters.organization} onChange={set('organization')} />}
        {staff && <RecordSelect id="item-person" label="Owned by or shared with" path="/v1/people?per_page=100" value={filters.person} onChange={set('person')} />}
        <ValueSelect id="item-status" label="Status" values={ITEM_STATUSES} value={filters.status} onChange={set('status')} />
        <div class="field">
          <label for="item-category">Category</label>
          <input id="item-category" autocomplete="off" value={category} onInput={(e) => setCategory((e.target as HTMLInputElement).value)} />
        </div>
      </form>
      <p class="exports">
        Export these items:{' '}
        <a href={`/v1/items/export.csv${exportQuery ? `?${exportQuery}` : ''}`} download="items.csv" data-testid="export-csv">
          CSV
        </a>{' '}
        ·{' '}
        <a href={`/v1/items/export.xlsx${exportQuery ? `?${exportQuery}` : ''}`} download="items.xlsx" data-testid="export-xlsx">
          Excel
        </a>
      </p>
      <p class="sr-only" role="status" aria-live="polite">
        {list.loading ? 'Loading…' : list.items ? `${list.items.length} items shown` : ''}
      </p>
      {list.error && <ErrorMessage error={list.error} />}
      {list.items && list.items.length === 0 && <p class="empty">No items match.</p>}
      {list.items && list.items.length > 0 && (
        <div class="table-wrap">
          <table class="records" data-testid="item-list">
            <caption class="sr-only">Items</caption>
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">Name</th>
                <th scope="col">Category</th>
                <th scope="col">Status</th>
                <th scope="col">Organization</th>
                <th scope="col">Owners</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((i) => (
                <tr key={i.id}>
                  <td data-label="Number">{i.number}</td>
                  <td data-label="Name">
                    <a href={`/items/${i.id}`} onClick={linkClick} class="record-name">
                      {i.name}
                    </a>
                  </td>
                  <td data-label="Category">{i.category}</td>
                  <td data-label="Status">{words(i.status)}</td>
                  <td data-label="Organization">{i.organization?.name}</td>
                  <td data-label="Owners">{i.owners.map((o) => o.name).join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager list={list} label="Items" />
    </main>
  );
}

function ItemContracts({ id }: { id: number }) {
  const list = usePaged<Contract>(`/v1/contracts?item=${id}&per_page=25`);
  return (
    <section class="card" aria-labelledby="item-contracts">
      <h2 id="item-contracts">Contracts</h2>
      {list.error && <ErrorMessage error={list.error} />}
      {list.items && list.items.length === 0 && <p class="empty">No contract holds this item.</p>}
      {list.items && list.items.length > 0 && (
        <ul class="plain" data-testid="item-contracts">
          {list.items.map((c) => (
            <li key={c.id}>
              <a href={`/contracts/${c.id}`} onClick={linkClick}>
                {words(c.type)} contract {c.id}
              </a>{' '}
              <span class="badge">{words(c.status)}</span>
            </li>
          ))}
        </ul>
      )}
      {(list.hasNext || list.hasPrevious) && <Pager list={list} label="Contracts" />}
    </section>
  );
}

export function ItemScreen({ id, session }: { id: number; session: SessionInfo }) {
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const back = <Back href="/items" label="Items" />;
  const { record: item, gate } = useRecordPage(getItem, id, back, 'Item');
  const heading = useHeadingFocus(item?.id);
  if (!item) return gate;
  const staff = isStaff(session);
  const remove = async () => {
    if (!window.confirm(`Delete ${item.number} ${item.name}?`)) return;
    try {
      await deleteItem(item.id);
      navigate('/items');
    } catch (err) {
      setActionError(asApiError(err));
    }
  };
  const people = (rs: { id: number; name: string }[]) => (rs.length ? rs.map((r) => r.name).join(', ') : null);
  return (
    <main id="main" class="page">
      {back}
      <div class="title-row">
        <h1 ref={heading} tabIndex={-1}>
          {item.name}
        </h1>
        <span class="badge">{words(item.status)}</span>
        {staff && (
          <>
            <a class="button secondary" href={`/items/${item.id}/edit`} onClick={linkClick}>
              Edit
            </a>
            <button type="button" class="button secondary" onClick={remove}>
              Delete
            </button>
          </>
        )}
      </div>
      {actionError && <ErrorMessage error={actionError} />}
      <div class="grid">
        <section class="card" aria-labelledby="item-general">
          <h2 id="item-general">General</h2>
          <Details
            rows={[
              ['Number', item.number],
              ['Category', item.category],
              ['Serial', item.serial],
              ['Organization', item.organization ? <RefLink base={staff ? '/organizations' : undefined} r={item.organization} /> : null],
              ['Location', item.location?.name],
              ['Department', item.department?.name],
              ['Source', item.source && item.source !== 'manual' ? `${item.source} ${item.source_id ?? ''}` : null],
            ]}
          />
          {item.notes && <p class="remarks">{item.notes}</p>}
        </section>
        <section class="card" aria-labelledby="item-people">
          <h2 id="item-people">People</h2>
          <Details
            rows={[
              ['Owners', <span data-testid="item-owners">{people(item.owners) ?? '—'}</span>],
              ['Shared with', <span data-testid="item-shared">{people(item.shared_with) ?? '—'}</span>],
            ]}
          />
        </section>
        <ItemContracts id={item.id} />
        {Object.keys(item.custom_fields ?? {}).length > 0 && (
          <section class="card" aria-labelledby="item-custom">
            <h2 id="item-custom">Custom fields</h2>
            <Details
              rows={Object.entries(item.custom_fields ?? {}).map(([k, x]) => [
                words(k),
                x === null || x === undefined ? null : typeof x === 'boolean' ? (x ? 'Yes' : 'No') : typeof x === 'object' ? JSON.stringify(x) : String(x),
              ])}
            />
          </section>
        )}
      </div>
    </main>
  );
}

const ITEM_FIELDS = ['number', 'name', 'category', 'status', 'serial', 'organization', 'owners', 'shared_with', 'notes', 'location', 'department'];

/** A multiple select of people (one page of 100 of the account's people). */
function PeopleSelect(props: { id: string; label: string; value: string[]; onChange: (v: string[]) => void; error: ApiError | null; field: string }) {
  const { choices } = useChoices('/v1/people?per_page=100');
  const bad = errorsFor(props.error, props.field).length > 0;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <p id={`${props.id}-hint`} class="hint">
        Ctrl or ⌘ and click to choose several.
      </p>
      <select
        id={props.id}
        multiple
        size={4}
        aria-invalid={bad || undefined}
        aria-describedby={bad ? `${props.id}-hint ${props.id}-error` : `${props.id}-hint`}
        onChange={(e) => props.onChange([...(e.target as HTMLSelectElement).selectedOptions].map((o) => o.value))}
      >
        {choices.map((c) => (
          <option key={c.id} value={String(c.id)} selected={props.value.includes(String(c.id))}>
            {c.name}
            {c.username ? ` (${c.username})` : ''}
          </option>
        ))}
      </select>
      <FieldMessage id={props.id} error={props.error} field={props.field} />
    </div>
  );
}

export function ItemFormScreen({ id, session }: { id: number | null; session: SessionInfo }) {
  const [v, setV] = useState<Record<string, string>>({ status: 'in_use' });
  const [owners, setOwners] = useState<string[]>([]);
  const [shared, setShared] = useState<string[]>([]);
  const [loaded, setLoaded] = useState<Item | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    heading.current?.focus();
    if (!id) return;
    getItem(id)
      .then((i) => {
        setLoaded(i);
        setV({
          number: i.number,
          name: i.name,
          category: i.category ?? '',
          status: i.status,
          serial: i.serial ?? '',
          organization: i.organization ? String(i.organization.id) : '',
          location: i.location ? String(i.location.id) : '',
          department: i.department ? String(i.department.id) : '',
          notes: i.notes ?? '',
        });
        setOwners(i.owners.map((o) => String(o.id)));
        setShared(i.shared_with.map((o) => String(o.id)));
      })
      .catch((err) => setError(asApiError(err)));
  }, [id]);

  if (!isStaff(session))
    return (
      <main id="main" class="page">
        <Back href="/items" label="Items" />
        <h1>Item</h1>
        <p class="error" role="alert" data-testid="api-error">
          You are not allowed to do this. Only staff add or change items.
        </p>
      </main>
    );

  const set = (k: string) => (e: Event) => setV({ ...v, [k]: (e.target as HTMLInputElement).value });
  const bad = (f: string) => (errorsFor(error, f).length ? { 'aria-invalid': true, 'aria-describedby': `item-${f}-error` } : {});
  const text = (k: string, label: string, opts: { required?: boolean; max?: number } = {}) => (
    <div class="field">
      <label for={`item-${k}`}>{label}</label>
      <input id={`item-${k}`} value={v[k] ?? ''} required={opts.required} maxLength={opts.max} {...bad(k)} onInput={set(k)} />
      <FieldMessage id={`item-${k}`} error={error} field={k} />
    </div>
  );
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const orNull = (s?: string) => (s && s.trim() ? s.trim() : null);
    const body: Record<string, unknown> = {
      number: (v.number ?? '').trim(),
      name: (v.name ?? '').trim(),
      category: orNull(v.category),
      status: v.status,
      serial: orNull(v.serial),
      notes: orNull(v.notes),
      owners: owners.map((o) => ({ id: Number(o) })),
      shared_with: shared.map((o) => ({ id: Number(o) })),
    };
    const ref = (x?: string) => (x ? { id: Number(x) } : null);
    const org = ref(v.organization);
    if (!loaded || (loaded.organization?.id ?? null) !== (org?.id ?? null)) body.organization = org;
    // Location and department belong to the organization (the form clears them with it).
    for (const k of ['location', 'department'] as const)
      if (!loaded || String(loaded[k]?.id ?? '') !== (v[k] ?? '') || 'organization' in body) body[k] = ref(v[k]);
    try {
      const saved = await saveItem(id, body);
      if (saved) navigate(`/items/${saved.id}`);
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  const title = id ? `Edit ${loaded?.name ?? 'item'}` : 'New item';
  return (
    <main id="main" class="page">
      <Back href={id ? `/items/${id}` : '/items'} label={id ? 'Item' : 'Items'} />
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      <form class="card stack form" onSubmit={submit} noValidate>
        <FormError error={error} shown={ITEM_FIELDS} />
        <div class="field-row">
          {text('number', 'Number', { required: true, max: 64 })}
          {text('name', 'Name', { required: true, max: 255 })}
        </div>
        <div class="field-row">
          {text('category', 'Category', { max: 64 })}
          <div>
            <ValueSelect id="item-status" label="Status" values={ITEM_STATUSES} value={v.status ?? 'in_use'} none={null} onChange={(s) => setV({ ...v, status: s })} />
            <FieldMessage id="item-status" error={error} field="status" />
          </div>
          {text('serial', 'Serial', { max: 128 })}
        </div>
        <div>
          <RecordSelect
            id="item-organization"
            label="Organization"
            none="None"
            path="/v1/organizations?per_page=100"
            value={v.organization ?? ''}
            invalid={errorsFor(error, 'organization').length > 0}
            describedBy={errorsFor(error, 'organization').length ? 'item-organization-error' : undefined}
            onChange={(s) => setV({ ...v, organization: s, location: '', department: '' })}
          />
          <FieldMessage id="item-organization" error={error} field="organization" />
        </div>
        {v.organization && (
          <div class="field-row">
            {(['location', 'department'] as const).map((k) => (
              <div key={`${k}-${v.organization}`}>
                <RecordSelect
                  id={`item-${k}`}
                  label={k === 'location' ? 'Location' : 'Department'}
                  none="None"
                  path={`/v1/organizations/${v.organization}/${k}s?per_page=100`}
                  value={v[k] ?? ''}
                  current={loaded?.[k]}
                  invalid={errorsFor(error, k).length > 0}
                  describedBy={errorsFor(error, k).length ? `item-${k}-error` : undefined}
                  onChange={(s) => setV({ ...v, [k]: s })}
                />
                <FieldMessage id={`item-${k}`} error={error} field={k} />
              </div>
            ))}
          </div>
        )}
        <div class="field-row">
          <PeopleSelect id="item-owners" label="Owners" value={owners} onChange={setOwners} error={error} field="owners" />
          <PeopleSelect id="item-shared_with" label="Shared with" value={shared} onChange={setShared} error={error} field="shared_with" />
        </div>
        <div class="field">
          <label for="item-notes">Notes</label>
          <textarea id="item-notes" rows={3} value={v.notes ?? ''} {...bad('notes')} onInput={set('notes')} />
          <FieldMessage id="item-notes" error={error} field="notes" />
        </div>
        <div>
          <button type="submit" class="button" disabled={busy || (!!id && !loaded)}>
            {id ? 'Save item' : 'Add item'}
          </button>
        </div>
      </form>
    </main>
  );
}
