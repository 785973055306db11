// Create and edit a customer (issue 16, CUST-1): POST /v1/people (role customer) or PATCH
// /v1/people/{id} with only the changed fields and If-Match (a 412 says someone else
// changed it). The API's field errors ({"errors": [{"field"}]}) are shown at their field,
// and focus moves to the first of them. `self`: a person's own details (/me/edit, ACC-7:
// anyone may change itself but never its own roles or web access; a new password needs
// the current one), without web access and organization.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, getPage, getTagged, send, type CustomField, type Organization, type PersonRecord } from '../api';
import { linkClick, navigate } from '../router';
import { ErrorMessage } from './error';
import { CheckField, CustomFieldInput, ErrorSummary, SelectField, TextField, changedCustomFields, customFieldId, fieldErrors } from './form';

type Key =
  | 'first_name'
  | 'last_name'
  | 'username'
  | 'primary_email'
  | 'phone'
  | 'mobile'
  | 'address_1'
  | 'address_2'
  | 'city'
  | 'state'
  | 'postcode'
  | 'country'
  | 'email_locale'
  | 'time_zone'
  | 'notes';

const FIELDS: { key: Key; label: string; required?: boolean; max: number; type?: string; autocomplete?: string; hint?: string; multiline?: boolean }[] = [
  { key: 'first_name', label: 'First name', required: true, max: 64 },
  { key: 'last_name', label: 'Last name', required: true, max: 64 },
  { key: 'username', label: 'Username', required: true, max: 64 },
  { key: 'primary_email', label: 'Primary email', required: true, max: 64, type: 'email' },
  { key: 'phone', label: 'Phone', max: 20, type: 'tel' },
  { key: 'mobile', label: 'Mobile', max: 20, type: 'tel' },
  { key: 'address_1', label: 'Address 1', max: 128 },
  { key: 'address_2', label: 'Address 2', max: 128 },
  { key: 'city', label: 'City', max: 64 },
  { key: 'state', label: 'State', max: 32 },
  { key: 'postcode', label: 'Postcode', max: 20 },
  { key: 'country', label: 'Country', max: 64, hint: 'ISO 3166 code or name, e.g. NL or Netherlands' },
  { key: 'email_locale', label: 'Email locale', max: 5, hint: 'e.g. en or nl' },
  { key: 'time_zone', label: 'Time zone', max: 64, hint: 'IANA name, e.g. Europe/Amsterdam' },
  { key: 'notes', label: 'Notes', max: 65536, multiline: true },
];

type Values = Record<Key, string>;

function valuesOf(p: PersonRecord | null): Values {
  const v = {} as Values;
  for (const f of FIELDS) v[f.key] = p ? String(p[f.key] ?? '') : '';
  return v;
}

export function PersonForm({ id, self = false }: { id?: number; self?: boolean }) {
  const [currentPassword, setCurrentPassword] = useState('');
  const [defs, setDefs] = useState<CustomField[]>([]);
  const [custom, setCustom] = useState<Record<string, unknown>>({});
  const [orig, setOrig] = useState<PersonRecord | null>(null);
  const [etag, setEtag] = useState<string | null>(null);
  const [values, setValues] = useState<Values>(valuesOf(null));
  const [webAccess, setWebAccess] = useState(false);
  const [orgId, setOrgId] = useState('');
  const [password, setPassword] = useState('');
  const [orgs, setOrgs] = useState<Organization[]>([]);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    // The organization choice: the account's own organizations, one page of 100.
    // The account's person custom fields (CUST-1; definitions: one page of 100).
    getPage<CustomField>('/v1/custom_fields?record_type=person&per_page=100')
      .then((p) => setDefs(p.items.filter((d) => d.record_type === 'person')))
      .catch(() => setDefs([]));
    if (!self)
      getPage<Organization>('/v1/organizations?per_page=100')
        .then((p) => setOrgs(p.items))
        .catch(() => setOrgs([]));
    if (id === undefined) {
      heading.current?.focus();
      return;
    }
    getTagged<PersonRecord>(`/v1/people/${id}`)
      .then((r) => {
        setOrig(r.body);
        setEtag(r.etag);
        setValues(valuesOf(r.body));
        setWebAccess(r.body.web_access);
        setOrgId(r.body.organization ? String(r.body.organization.id) : '');
        setCustom({ ...(r.body.custom_fields ?? {}) });
        window.setTimeout(() => heading.current?.focus(), 0);
      })
      .catch((err) => setLoadError(err instanceof ApiError ? err : new ApiError(0, String(err))));
  }, [id]);

  const errs = fieldErrors(error);
  const shown = [...FIELDS.map((f) => f.key as string), ...defs.map((d) => `custom_fields.${d.key}`), 'password', ...(self ? ['current_password'] : ['organization', 'web_access'])];

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      let saved: PersonRecord;
      if (id === undefined) {
        const body: Record<string, unknown> = { roles: ['customer'], web_access: webAccess };
        for (const f of FIELDS) if (values[f.key].trim() !== '') body[f.key] = values[f.key].trim();
        if (orgId) body.organization = { id: Number(orgId) };
        if (password) body.password = password;
        const cf = changedCustomFields(defs, custom, {});
        if (Object.keys(cf).length) body.custom_fields = cf;
        saved = await send<PersonRecord>('POST', '/v1/people', body);
      } else {
        const before = valuesOf(orig);
        const patch: Record<string, unknown> = {};
        for (const f of FIELDS) {
          const now = values[f.key].trim();
          if (now !== before[f.key]) patch[f.key] = now === '' ? null : now;
        }
        if (!self && orig && webAccess !== orig.web_access) patch.web_access = webAccess;
        if (!self && orgId !== (orig?.organization ? String(orig.organization.id) : '')) patch.organization = orgId ? { id: Number(orgId) } : null;
        if (password) patch.password = password;
        if (password && self) patch.current_password = currentPassword;
        const cf = changedCustomFields(defs, custom, orig?.custom_fields);
        if (Object.keys(cf).length) patch.custom_fields = cf;
        saved = Object.keys(patch).length
          ? await send<PersonRecord>('PATCH', `/v1/people/${id}`, patch, { headers: etag ? { 'If-Match': etag } : {} })
          : orig!;
      }
      navigate(self ? '/me' : `/people/${saved.id}`);
    } catch (err) {
      const apiErr = err instanceof ApiError ? err : new ApiError(0, String(err));
      setError(apiErr);
      const first = apiErr.fields.find((f) => shown.includes(f.field));
      const target = first?.field.startsWith('custom_fields.') ? customFieldId(first.field.slice(14)) : first?.field;
      window.setTimeout(() => (target ? document.getElementById(target)?.focus() : undefined), 0);
    } finally {
      setBusy(false);
    }
  };

  const title = id === undefined ? 'New customer' : self ? 'Edit my details' : `Edit ${orig?.name ?? ''}`;
  const backTo = id === undefined ? '/people' : self ? '/me' : `/people/${id}`;
  const back = (
    <p class="back">
      <a href={backTo} onClick={linkClick}>
        ← {id === undefined ? 'People' : self ? 'My details' : orig?.name ?? 'Back'}
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
      <form class="card form" onSubmit={submit} aria-labelledby="person-form-title" noValidate data-testid="person-form">
        <h1 id="person-form-title" ref={heading} tabIndex={-1}>
          {title}
        </h1>
        <ErrorSummary error={error} shown={shown} />
        <div class="form-grid">
          {FIELDS.map((f) => (
            <TextField
              key={f.key}
              id={f.key}
              label={f.label}
              required={f.required}
              maxLength={f.max}
              type={f.type}
              hint={f.hint}
              multiline={f.multiline}
              value={values[f.key]}
              error={errs[f.key]}
              onInput={(v) => setValues({ ...values, [f.key]: v })}
            />
          ))}
          {!self && (
            <SelectField id="organization" label="Organization" value={orgId} onChange={setOrgId} error={errs.organization}>
              <option value="">None</option>
              {orgs.map((o) => (
                <option key={o.id} value={String(o.id)}>
                  {o.name}
                </option>
              ))}
            </SelectField>
          )}
          <TextField
            id="password"
            label={id === undefined ? 'Password (optional)' : 'New password (optional)'}
            type="password"
            autocomplete="new-password"
            value={password}
            onInput={setPassword}
            error={errs.password}
            hint="8 characters or more; empty: no usable password until one is set or mailed"
          />
          {defs.map((d) => (
            <CustomFieldInput key={d.key} def={d} value={custom[d.key]} error={errs[`custom_fields.${d.key}`]} onChange={(v) => setCustom({ ...custom, [d.key]: v })} />
          ))}
          {self && password && (
            <TextField
              id="current_password"
              label="Current password"
              type="password"
              autocomplete="current-password"
              value={currentPassword}
              onInput={setCurrentPassword}
              error={errs.current_password}
              required
            />
          )}
          {!self && <CheckField id="web_access" label="Web access (may sign in)" checked={webAccess} onChange={setWebAccess} />}
        </div>
        <div class="actions">
          <button type="submit" class="button" disabled={busy}>
            {busy ? 'Saving…' : id === undefined ? 'Create customer' : 'Save'}
          </button>
          <a class="button secondary" href={backTo} onClick={linkClick}>
            Cancel
          </a>
        </div>
      </form>
    </main>
  );
}
