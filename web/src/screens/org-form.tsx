// Create and edit an own organization (issue 16, ORG-1, ORG-3, ORG-4), for administrators,
// supervisors and service level managers: name, parent, financial ID, remarks, the
// disabled and partner flags, and the first (work) address, telephone, email address and
// website of its contact details — other entries of those lists are kept as they are.
// POST /v1/organizations or PATCH /v1/organizations/{id} with only what changed and
// If-Match; field errors (also `contact.websites[0].url`) are shown at their field.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, getPage, getTagged, send, type Contact, type Organization } from '../api';
import { linkClick, navigate } from '../router';
import { ErrorMessage } from './error';
import { CheckField, ErrorSummary, SelectField, TextField, fieldErrors } from './form';

// Contact fields: [form key, API path of the first entry, label, type].
const CONTACT: [string, string, string, string][] = [
  ['street', 'contact.addresses[0].street', 'Street', 'text'],
  ['zip', 'contact.addresses[0].zip', 'Postcode', 'text'],
  ['city', 'contact.addresses[0].city', 'City', 'text'],
  ['country', 'contact.addresses[0].country', 'Country', 'text'],
  ['phone', 'contact.telephones[0].number', 'Telephone', 'tel'],
  ['email', 'contact.email_addresses[0].address', 'Email address', 'email'],
  ['url', 'contact.websites[0].url', 'Website', 'url'],
];

type ContactValues = Record<string, string>;

function contactValues(c: Contact | undefined): ContactValues {
  const a = c?.addresses?.[0] ?? {};
  return {
    street: a.street ?? '',
    zip: a.zip ?? '',
    city: a.city ?? '',
    country: a.country ?? '',
    phone: c?.telephones?.[0]?.number ?? '',
    email: c?.email_addresses?.[0]?.address ?? '',
    url: c?.websites?.[0]?.url ?? '',
  };
}

/** c with its first entries replaced by v (an emptied entry is removed). */
function mergeContact(c: Contact | undefined, v: ContactValues): Contact {
  const first = <T,>(list: T[] | undefined, entry: T | null): T[] => {
    const rest = (list ?? []).slice(1);
    return entry ? [entry, ...rest] : rest;
  };
  const a0 = c?.addresses?.[0] ?? { label: 'work' };
  const addr = { ...a0, street: v.street.trim() || undefined, zip: v.zip.trim() || undefined, city: v.city.trim() || undefined, country: v.country.trim() || undefined };
  const hasAddr = Boolean(addr.street || addr.zip || addr.city || addr.country || addr.state);
  const t0 = c?.telephones?.[0];
  const m0 = c?.email_addresses?.[0];
  const w0 = c?.websites?.[0];
  return {
    addresses: first(c?.addresses, hasAddr ? JSON.parse(JSON.stringify(addr)) : null),
    telephones: first(c?.telephones, v.phone.trim() ? { label: t0?.label ?? 'work', number: v.phone.trim() } : null),
    email_addresses: first(c?.email_addresses, v.email.trim() ? { label: m0?.label ?? 'work', address: v.email.trim() } : null),
    websites: first(c?.websites, v.url.trim() ? { label: w0?.label ?? 'work', url: v.url.trim() } : null),
  };
}

export function OrganizationForm({ id }: { id?: number }) {
  const [orig, setOrig] = useState<Organization | null>(null);
  const [etag, setEtag] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [parent, setParent] = useState('');
  const [financialId, setFinancialId] = useState('');
  const [remarks, setRemarks] = useState('');
  const [disabled, setDisabled] = useState(false);
  const [partner, setPartner] = useState(false);
  const [contact, setContact] = useState<ContactValues>(contactValues(undefined));
  const [orgs, setOrgs] = useState<Organization[]>([]);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    getPage<Organization>('/v1/organizations?per_page=100')
      .then((p) => setOrgs(p.items.filter((o) => o.id !== id)))
      .catch(() => setOrgs([]));
    if (id === undefined) {
      heading.current?.focus();
      return;
    }
    getTagged<Organization>(`/v1/organizations/${id}`)
      .then(({ body: o, etag: tag }) => {
        if (o.foreign) {
          setLoadError(new ApiError(403, 'This organization belongs to another account: only its notes can be edited (Edit on its page).'));
          return;
        }
        setOrig(o);
        setEtag(tag);
        setName(o.name);
        setParent(o.parent ? String(o.parent.id) : '');
        setFinancialId(o.financial_id ?? '');
        setRemarks(o.remarks ?? '');
        setDisabled(o.disabled === true);
        setPartner(o.partner === true);
        setContact(contactValues(o.contact));
        window.setTimeout(() => heading.current?.focus(), 0);
      })
      .catch((err) => setLoadError(err instanceof ApiError ? err : new ApiError(0, String(err))));
  }, [id]);

  const errs = fieldErrors(error);
  const shown = ['name', 'parent', 'financial_id', 'remarks', 'disabled', 'partner', ...CONTACT.map(([, path]) => path)];

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = {};
      const o = orig;
      const put = (k: string, now: unknown, was: unknown) => {
        if (o === null ? now !== null && now !== '' && now !== false : JSON.stringify(now) !== JSON.stringify(was)) body[k] = now;
      };
      put('name', name.trim(), o?.name);
      put('parent', parent ? { id: Number(parent) } : null, o?.parent ? { id: o.parent.id } : null);
      put('financial_id', financialId.trim() || null, o?.financial_id ?? null);
      put('remarks', remarks || null, o?.remarks ?? null);
      put('disabled', disabled, o?.disabled ?? false);
      put('partner', partner, o?.partner ?? false);
      if (JSON.stringify(contact) !== JSON.stringify(contactValues(o?.contact))) body.contact = mergeContact(o?.contact, contact);
      let saved: Organization;
      if (id === undefined) {
        if (!('name' in body)) body.name = name.trim();
        saved = await send<Organization>('POST', '/v1/organizations', body);
      } else {
        saved = Object.keys(body).length
          ? await send<Organization>('PATCH', `/v1/organizations/${id}`, body, { headers: etag ? { 'If-Match': etag } : {} })
          : o!;
      }
      navigate(`/organizations/${saved.id}`);
    } catch (err) {
      const apiErr = err instanceof ApiError ? err : new ApiError(0, String(err));
      setError(apiErr);
      const firstErr = apiErr.fields.find((f) => shown.includes(f.field));
      window.setTimeout(() => (firstErr ? document.getElementById(firstErr.field)?.focus() : undefined), 0);
    } finally {
      setBusy(false);
    }
  };

  const title = id === undefined ? 'New organization' : `Edit ${orig?.name ?? ''}`;
  const backTo = id === undefined ? '/organizations' : `/organizations/${id}`;
  const back = (
    <p class="back">
      <a href={backTo} onClick={linkClick}>
        ← {id === undefined ? 'Organizations' : orig?.name ?? 'Back'}
      </a>
    </p>
  );
  if (loadError)
    return (
      <main id="main" class="page">
        {back}
        <h1>{title}</h1>
        <ErrorMessage error={loadError} />
      </main>
    );
  if (id !== undefined && !orig)
    return (
      <main id="main" class="page" aria-busy="true">
        {back}
        <p role="status">Loading…</p>
      </main>
    );
  return (
    <main id="main" class="page">
      {back}
      <form class="card form" onSubmit={submit} aria-labelledby="org-form-title" noValidate data-testid="org-form">
        <h1 id="org-form-title" ref={heading} tabIndex={-1}>
          {title}
        </h1>
        <ErrorSummary error={error} shown={shown} />
        <div class="form-grid">
          <TextField id="name" label="Name" required maxLength={128} value={name} onInput={setName} error={errs.name} />
          <SelectField id="parent" label="Parent organization" value={parent} onChange={setParent} error={errs.parent}>
            <option value="">None</option>
            {orgs.map((o) => (
              <option key={o.id} value={String(o.id)}>
                {o.name}
              </option>
            ))}
          </SelectField>
          <TextField id="financial_id" label="Financial ID" maxLength={64} value={financialId} onInput={setFinancialId} error={errs.financial_id} />
        </div>
        <TextField id="remarks" label="Remarks" multiline maxLength={65536} value={remarks} onInput={setRemarks} error={errs.remarks} />
        <fieldset class="field">
          <legend>Contact details (the first of each)</legend>
          <div class="form-grid">
            {CONTACT.map(([k, path, label, type]) => (
              <TextField key={k} id={path} label={label} type={type} value={contact[k]} error={errs[path]} onInput={(v) => setContact({ ...contact, [k]: v })} />
            ))}
          </div>
        </fieldset>
        <CheckField id="disabled" label="Disabled" checked={disabled} onChange={setDisabled} />
        <CheckField id="partner" label="Partner organization (an external service provider)" checked={partner} onChange={setPartner} />
        <div class="actions">
          <button type="submit" class="button" disabled={busy}>
            {busy ? 'Saving…' : id === undefined ? 'Create organization' : 'Save'}
          </button>
          <a class="button secondary" href={backTo} onClick={linkClick}>
            Cancel
          </a>
        </div>
      </form>
    </main>
  );
}
