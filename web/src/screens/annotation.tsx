// TRUST-5 edit mode of a foreign organization: the current account's own remarks (with
// attachments), financial ID and values of its organization custom fields for a record
// another account owns. PATCH /v1/organizations/{id} sends only what changed and only
// these fields (the API refuses any other with a 422, and any role but service level
// manager and administrator with a 403); the owner's record is never touched. Field errors
// are shown at their field.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, getPage, send, type Annotation, type Attachment, type CustomField, type Organization } from '../api';
import { CustomFieldInput, ErrorSummary, TextField, changedCustomFields, customFieldId, fieldErrors } from './form';

interface Props {
  org: Organization;
  accountName: string;
  /** The updated record after a save, or null on Cancel. */
  onDone: (updated: Organization | null) => void;
}

export function AnnotationForm({ org, accountName, onDone }: Props) {
  const [remarks, setRemarks] = useState(org.remarks ?? '');
  const [financialId, setFinancialId] = useState(org.financial_id ?? '');
  const [attachments, setAttachments] = useState<Attachment[]>(org.remarks_attachments ?? []);
  const [defs, setDefs] = useState<CustomField[]>([]);
  const [custom, setCustom] = useState<Record<string, unknown>>({ ...(org.custom_fields ?? {}) });
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [uploading, setUploading] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    heading.current?.focus();
    // The account's organization custom fields (definitions: one page of at most 100).
    getPage<CustomField>('/v1/custom_fields?record_type=organization&per_page=100')
      .then((p) => setDefs(p.items.filter((d) => d.record_type === 'organization')))
      .catch(() => setDefs([]));
  }, []);

  const errs = fieldErrors(error);
  const shown = ['remarks', 'financial_id', 'remarks_attachments', ...defs.map((d) => `custom_fields.${d.key}`)];

  const upload = async (e: Event) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    setUploading(true);
    setError(null);
    try {
      const a = await send<Attachment>('POST', `/v1/attachments?filename=${encodeURIComponent(file.name)}`, undefined, {
        raw: { data: file, type: file.type || 'application/octet-stream' },
      });
      setAttachments((list) => [...list, a]);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
    } finally {
      setUploading(false);
      input.value = '';
    }
  };

  const save = async (e: Event) => {
    e.preventDefault();
    const patch: Annotation = {};
    if (remarks !== (org.remarks ?? '')) patch.remarks = remarks === '' ? null : remarks;
    if (financialId.trim() !== (org.financial_id ?? '')) patch.financial_id = financialId.trim() === '' ? null : financialId.trim();
    const before = (org.remarks_attachments ?? []).map((a) => a.key).join(',');
    if (attachments.map((a) => a.key).join(',') !== before) patch.remarks_attachments = attachments.map((a) => ({ key: a.key }));
    const changed = changedCustomFields(defs, custom, org.custom_fields);
    if (Object.keys(changed).length) patch.custom_fields = changed;
    if (!Object.keys(patch).length) {
      onDone(org);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onDone(await send<Organization>('PATCH', `/v1/organizations/${org.id}`, patch));
    } catch (err) {
      const apiErr = err instanceof ApiError ? err : new ApiError(0, String(err));
      setError(apiErr);
      const first = apiErr.fields.find((f) => shown.includes(f.field));
      if (first) window.setTimeout(() => document.getElementById(idOf(first.field))?.focus(), 0);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card form" onSubmit={save} aria-labelledby="annotate-title" data-testid="annotation-form">
      <h1 id="annotate-title" ref={heading} tabIndex={-1}>
        Edit {org.name}
      </h1>
      <p class="notice">
        {org.name} belongs to {org.account.name}. You edit {accountName}'s own notes for it: remarks, financial ID
        and custom fields, seen only by people of {accountName}. {org.account.name}'s record does not change.
      </p>
      <ErrorSummary error={error} shown={shown} />
      <TextField id="remarks" label="Remarks" multiline value={remarks} onInput={setRemarks} error={errs.remarks} maxLength={65536} />
      <fieldset class="field">
        <legend>Attachments to the remarks</legend>
        {attachments.length === 0 && <p class="muted">No attachments.</p>}
        <ul class="attachments">
          {attachments.map((a) => (
            <li key={a.key}>
              {a.filename}{' '}
              <button
                type="button"
                class="button secondary small"
                aria-label={`Remove attachment ${a.filename}`}
                onClick={() => setAttachments((list) => list.filter((x) => x.key !== a.key))}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
        <label for="attachment-file">Add an attachment</label>
        <input id="attachment-file" type="file" onChange={upload} disabled={uploading} />
        {uploading && <p role="status">Uploading…</p>}
        {errs.remarks_attachments && <p class="field-error">{errs.remarks_attachments}</p>}
      </fieldset>
      <TextField id="financial_id" label="Financial ID" value={financialId} onInput={setFinancialId} error={errs.financial_id} maxLength={64} />
      {defs.map((d) => (
        <CustomFieldInput key={d.key} def={d} value={custom[d.key]} error={errs[`custom_fields.${d.key}`]} onChange={(v) => setCustom({ ...custom, [d.key]: v })} />
      ))}
      <div class="actions">
        <button type="submit" class="button" disabled={busy || uploading}>
          {busy ? 'Saving…' : 'Save'}
        </button>
        <button type="button" class="button secondary" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The element id of a field named by the API (custom_fields.x → cf-x). */
function idOf(field: string): string {
  return field.startsWith('custom_fields.') ? customFieldId(field.slice(14)) : field;
}
