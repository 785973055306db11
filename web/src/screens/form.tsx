// Form controls of the web UI (issue 16): every control has its <label>; an API error's
// field errors (API.md: {"errors": [{"field", "message"}]}) are shown at the field they
// name (aria-invalid, aria-describedby), and those naming no field on the screen in a
// summary above the form.
import type { ComponentChildren } from 'preact';
import type { ApiError, CustomField } from '../api';

/** The field errors of an API error by field name (the first message of each). */
export function fieldErrors(err: ApiError | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of err?.fields ?? []) if (f.field && !(f.field in out)) out[f.field] = f.message;
  return out;
}

interface FieldProps {
  id: string;
  label: string;
  value: string;
  onInput: (v: string) => void;
  error?: string;
  type?: string;
  required?: boolean;
  autocomplete?: string;
  maxLength?: number;
  hint?: string;
  multiline?: boolean;
}

export function TextField(p: FieldProps) {
  const described = [p.hint ? `${p.id}-hint` : '', p.error ? `${p.id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const common = {
    id: p.id,
    name: p.id,
    value: p.value,
    required: p.required,
    maxLength: p.maxLength,
    'aria-invalid': p.error ? ('true' as const) : undefined,
    'aria-describedby': described,
    onInput: (e: Event) => p.onInput((e.target as HTMLInputElement).value),
  };
  return (
    <div class={p.error ? 'field invalid' : 'field'}>
      <label for={p.id}>
        {p.label}
        {p.required && <span aria-hidden="true"> *</span>}
      </label>
      {p.multiline ? (
        <textarea rows={5} {...common} />
      ) : (
        <input type={p.type ?? 'text'} autocomplete={p.autocomplete ?? 'off'} {...common} />
      )}
      {p.hint && (
        <p class="hint" id={`${p.id}-hint`}>
          {p.hint}
        </p>
      )}
      {p.error && (
        <p class="field-error" id={`${p.id}-error`} data-testid={`error-${p.id}`}>
          {p.error}
        </p>
      )}
    </div>
  );
}

export function CheckField({ id, label, checked, onChange }: { id: string; label: string; checked: boolean; onChange: (v: boolean) => void }) {
  return (
    <div class="field check">
      <input id={id} name={id} type="checkbox" checked={checked} onChange={(e) => onChange((e.target as HTMLInputElement).checked)} />
      <label for={id}>{label}</label>
    </div>
  );
}

export function SelectField({
  id,
  label,
  value,
  onChange,
  children,
  error,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  children: ComponentChildren;
  error?: string;
}) {
  return (
    <div class={error ? 'field invalid' : 'field'}>
      <label for={id}>{label}</label>
      <select
        id={id}
        name={id}
        value={value}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => onChange((e.target as HTMLSelectElement).value)}
      >
        {children}
      </select>
      {error && (
        <p class="field-error" id={`${id}-error`} data-testid={`error-${id}`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** The errors a form could not show at a field (and the message), as one alert. */
export function ErrorSummary({ error, shown }: { error: ApiError | null; shown: string[] }) {
  if (!error) return null;
  const rest = error.fields.filter((f) => !shown.includes(f.field));
  let head = error.message;
  if (error.status === 403) head = `You are not allowed to do this. ${error.message}`;
  else if (error.status === 412) head = 'Someone else changed this record meanwhile: reload it and try again.';
  return (
    <div class="error" role="alert" data-testid="form-error">
      <p class="error-head">{head}</p>
      {rest.length > 0 && (
        <ul>
          {rest.map((f) => (
            <li key={f.field}>
              {f.field ? `${f.field}: ` : ''}
              {f.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function asText(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

/** The element id of a custom field's control (the API names it custom_fields.<key>). */
export function customFieldId(key: string): string {
  return `cf-${key}`;
}

/** One custom field's control by its definition (ORG-2): text, number, date, boolean or
 *  select; `value` as the API holds it. */
export function CustomFieldInput({ def, value, error, onChange }: { def: CustomField; value: unknown; error?: string; onChange: (v: unknown) => void }) {
  const id = customFieldId(def.key);
  if (def.type === 'boolean') return <CheckField id={id} label={def.label} checked={value === true} onChange={onChange} />;
  if (def.type === 'select')
    return (
      <SelectField id={id} label={def.label} value={asText(value)} error={error} onChange={onChange}>
        <option value="">—</option>
        {(def.options ?? []).map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </SelectField>
    );
  return (
    <TextField
      id={id}
      label={def.label}
      type={def.type === 'number' ? 'number' : def.type === 'date' ? 'date' : 'text'}
      required={def.required}
      maxLength={def.max_length ?? undefined}
      value={asText(value)}
      error={error}
      onInput={(v) => onChange(def.type === 'number' && v !== '' ? Number(v) : v)}
    />
  );
}

/** The custom field values of `now` that differ from `was` ('' sent as null). */
export function changedCustomFields(defs: CustomField[], now: Record<string, unknown>, was: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const d of defs) {
    const a = now[d.key];
    const b = was?.[d.key];
    if (asText(a) !== asText(b) || (d.type === 'boolean' && a !== b)) out[d.key] = a === '' ? null : a;
  }
  return out;
}
