// Custom field definitions (issue 16, ORG-2), for account administrators: the account's
// fields per record type (GET /v1/custom_fields, one page at a time), a new one (POST,
// field errors at their field: a key must be a-z, 0-9 and _) and deleting one (DELETE,
// with a second click).
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, send, type CustomField } from '../api';
import type { SessionInfo } from '../session';
import { AccountNav } from './account';
import { ErrorMessage } from './error';
import { CheckField, ErrorSummary, SelectField, TextField, fieldErrors } from './form';
import { Pager, usePagedList } from './pager';

const TYPES = ['text', 'number', 'date', 'boolean', 'select'] as const;

export function CustomFieldsScreen({ session }: { session: SessionInfo }) {
  const [recordType, setRecordType] = useState('organization');
  const list = usePagedList<CustomField>(`/v1/custom_fields?record_type=${recordType}&per_page=25`);
  const [key, setKey] = useState('');
  const [label, setLabel] = useState('');
  const [type, setType] = useState<string>('text');
  const [options, setOptions] = useState('');
  const [required, setRequired] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<number | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  const errs = fieldErrors(error);
  const shown = ['record_type', 'key', 'label', 'type', 'options', 'required'];
  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setStatus(null);
    const body: Record<string, unknown> = { record_type: recordType, key: key.trim(), label: label.trim(), type, required };
    if (type === 'select')
      body.options = options
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean);
    try {
      await send('POST', '/v1/custom_fields', body);
      setStatus(`Field ${label.trim()} added.`);
      setKey('');
      setLabel('');
      setOptions('');
      setRequired(false);
      list.reload();
    } catch (err) {
      const apiErr = err instanceof ApiError ? err : new ApiError(0, String(err));
      setError(apiErr);
      const first = apiErr.fields.find((f) => shown.includes(f.field));
      if (first) window.setTimeout(() => document.getElementById(`cfd-${first.field}`)?.focus(), 0);
    }
  };
  const remove = async (d: CustomField) => {
    setError(null);
    setStatus(null);
    try {
      await send('DELETE', `/v1/custom_fields/${d.id}`);
      setConfirm(null);
      setStatus(`Field ${d.label} deleted.`);
      list.reload();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
    }
  };

  return (
    <main id="main" class="page">
      <AccountNav session={session} />
      <h1 ref={heading} tabIndex={-1}>
        Custom fields
      </h1>
      <div class="toolbar">
        <SelectField id="cfd-record_type" label="Record type" value={recordType} onChange={setRecordType} error={errs.record_type}>
          <option value="organization">Organizations</option>
          <option value="person">People</option>
          <option value="item">Items</option>
        </SelectField>
      </div>
      {status && (
        <p class="notice" role="status" data-testid="cfd-status">
          {status}
        </p>
      )}
      <ErrorSummary error={error} shown={shown} />
      {list.error && <ErrorMessage error={list.error} />}
      {list.items && list.items.length === 0 && <p class="empty">No custom fields for this record type.</p>}
      {list.items && list.items.length > 0 && (
        <ul class="org-list" data-testid="custom-fields">
          {list.items.map((d) => (
            <li key={d.id} class="org">
              <span class="org-name">{d.label}</span>
              <span class="org-place">
                {d.key}, {d.type}
                {d.options?.length ? ` (${d.options.join(', ')})` : ''}
                {d.required ? ', required' : ''}
              </span>
              <span class="row-actions">
                {confirm === d.id ? (
                  <>
                    <button type="button" class="button danger small" onClick={() => remove(d)}>
                      Confirm delete of {d.label}
                    </button>
                    <button type="button" class="button secondary small" onClick={() => setConfirm(null)}>
                      Keep
                    </button>
                  </>
                ) : (
                  <button type="button" class="button secondary small" aria-label={`Delete field ${d.label}`} onClick={() => setConfirm(d.id)}>
                    Delete
                  </button>
                )}
              </span>
            </li>
          ))}
        </ul>
      )}
      <Pager list={list} />
      <form class="card form" onSubmit={create} aria-labelledby="cfd-new" noValidate data-testid="cfd-form">
        <h2 id="cfd-new">New field</h2>
        <div class="form-grid">
          <TextField id="cfd-label" label="Label" value={label} onInput={setLabel} error={errs.label} required maxLength={128} />
          <TextField id="cfd-key" label="Key" value={key} onInput={setKey} error={errs.key} required maxLength={64} hint="a-z, 0-9 and _, starting with a letter" />
          <SelectField id="cfd-type" label="Type" value={type} onChange={setType} error={errs.type}>
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </SelectField>
          {type === 'select' && <TextField id="cfd-options" label="Options" value={options} onInput={setOptions} error={errs.options} hint="separated by commas" />}
        </div>
        <CheckField id="cfd-required" label="Required" checked={required} onChange={setRequired} />
        <div class="actions">
          <button type="submit" class="button">
            Add field
          </button>
        </div>
      </form>
    </main>
  );
}
