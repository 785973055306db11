// A record's history (ACC-6): GET /v1/audit?record_type=&record_id= in pages of 25, oldest
// first as the API gives them; each entry who, when, what (created, updated, deleted) and
// each changed field from its old to its new value. Secrets appear only as "changed".
// Staff only, as the API.
import { useState } from 'preact/hooks';
import type { Ref } from '../api';
import { ListTab } from './pager';

interface Change {
  old?: unknown;
  new?: unknown;
  changed?: boolean;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: Ref | { id: null; name: string | null };
  action: string;
  changes: Record<string, Change> | null;
}

const WHEN = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A stored value as a person reads it: a reference by its name, a list by its parts. */
export function shown(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.length ? v.map(shown).join(', ') : '—';
  const o = v as Record<string, unknown>;
  if ('name' in o && 'id' in o) return shown(o.name ?? `#${o.id}`);
  const parts = Object.entries(o).filter(([, x]) => x !== null && x !== '' && !(Array.isArray(x) && !x.length));
  return parts.length ? parts.map(([k, x]) => `${k.replace(/_/g, ' ')}: ${shown(x)}`).join('; ') : '—';
}

const field = (k: string) => k.replace(/_/g, ' ');

function Entry({ e }: { e: AuditEntry }) {
  // A new record's empty values say nothing.
  const changes = Object.entries(e.changes ?? {}).filter(([, c]) => e.action !== 'create' || c.changed || shown(c.new) !== '—');
  return (
    <>
      <strong>{e.action === 'create' ? 'Created' : e.action === 'delete' ? 'Deleted' : e.action === 'update' ? 'Changed' : e.action}</strong>{' '}
      <span class="muted">
        {WHEN.format(new Date(e.at))} by {e.actor?.name ?? 'the system'}
      </span>
      {changes.length > 0 && (
        <ul class="changes">
          {changes.map(([k, c]) => (
            <li key={k}>
              {field(k)}:{' '}
              {c.changed ? (
                'changed'
              ) : e.action === 'create' ? (
                shown(c.new)
              ) : (
                <>
                  <del>{shown(c.old)}</del> → <ins>{shown(c.new)}</ins>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

export function History({ type, id }: { type: string; id: number }) {
  return <ListTab<AuditEntry> key={`${type}-${id}`} path={`/v1/audit?record_type=${type}&record_id=${id}&per_page=25`} empty="No history." testid="history" render={(e) => <Entry e={e} />} />;
}

/** The history folded away: read from the API only once opened (a record's page stays one
 *  request). */
export function HistoryDetails({ type, id }: { type: string; id: number }) {
  const [open, setOpen] = useState(false);
  return (
    <details class="card" onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>History</summary>
      {open && <History type={type} id={id} />}
    </details>
  );
}
