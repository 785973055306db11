// The organization page (issue 16): GET /v1/organizations/{id} — name, account, contact
// details, parent, remarks with their attachments and custom fields, each only when the
// record has it. A foreign record (TRUST-4) carries only its owner's name, picture and
// contact details plus the current account's own remarks, financial ID and custom fields
// (TRUST-5), so it shows just those. A service level manager or administrator can put a
// foreign record in edit mode (AnnotationForm): only those notes of its own account, saved
// by PATCH /v1/organizations/{id}; other roles are not offered the Edit button.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, customFieldLabels, getOrganization, type Organization } from '../api';
import { linkClick } from '../router';
import { isStaff, mayAnnotate, writesOrganizations, type SessionInfo } from '../session';
import { OrgParts } from './org-parts';
import { AnnotationForm } from './annotation';
import { ErrorMessage } from './error';
import { HistoryDetails } from './history';

function label(s?: string): string {
  return s ? s.charAt(0).toUpperCase() + s.slice(1) : '';
}

function fieldText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function safeUrl(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

function Contact({ org }: { org: Organization }) {
  const c = org.contact ?? {};
  const rows = [
    ...(c.addresses ?? []).map((a, i) => (
      <div key={`a${i}`} class="row">
        <dt>Address{a.label ? ` (${a.label})` : ''}</dt>
        <dd>{[a.street, [a.zip, a.city].filter(Boolean).join(' '), a.state, a.country].filter(Boolean).join(', ')}</dd>
      </div>
    )),
    ...(c.telephones ?? []).map((t, i) => (
      <div key={`t${i}`} class="row">
        <dt>Telephone{t.label ? ` (${t.label})` : ''}</dt>
        <dd>
          <a href={`tel:${t.number.replace(/[^+\d]/g, '')}`}>{t.number}</a>
        </dd>
      </div>
    )),
    ...(c.email_addresses ?? []).map((m, i) => (
      <div key={`m${i}`} class="row">
        <dt>Email{m.label ? ` (${m.label})` : ''}</dt>
        <dd>
          <a href={`mailto:${m.address}`}>{m.address}</a>
        </dd>
      </div>
    )),
    ...(c.websites ?? []).map((w, i) => {
      const href = safeUrl(w.url);
      return (
        <div key={`w${i}`} class="row">
          <dt>Website{w.label ? ` (${w.label})` : ''}</dt>
          <dd>{href ? <a href={href} rel="noopener noreferrer">{w.url}</a> : w.url}</dd>
        </div>
      );
    }),
  ];
  return (
    <section class="card" aria-labelledby="contact-title">
      <h2 id="contact-title">Contact details</h2>
      {rows.length ? <dl class="details">{rows}</dl> : <p class="empty">No contact details.</p>}
    </section>
  );
}

export function OrganizationScreen({ id, session }: { id: number; session: SessionInfo }) {
  const [org, setOrg] = useState<Organization | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  const [labels, setLabels] = useState<Record<string, string>>({});
  const heading = useRef<HTMLHeadingElement>(null);
  const editButton = useRef<HTMLButtonElement>(null);

  // The link that opened this page is gone: keyboard and screen reader users start at
  // the organization's name.
  useEffect(() => {
    if (org) heading.current?.focus();
  }, [org?.id]);

  useEffect(() => {
    let stale = false;
    setOrg(null);
    setError(null);
    setEditing(false);
    setSaved(false);
    customFieldLabels('organization').then((l) => !stale && setLabels(l));
    getOrganization(id)
      .then((o) => !stale && setOrg(o))
      .catch((err) => !stale && setError(err instanceof ApiError ? err : new ApiError(0, String(err))));
    return () => {
      stale = true;
    };
  }, [id]);

  const back = (
    <p class="back">
      <a href="/organizations" onClick={linkClick}>
        ← Organizations
      </a>
    </p>
  );
  if (error)
    return (
      <main id="main" class="page">
        {back}
        <h1>Organization</h1>
        <ErrorMessage error={error} />
      </main>
    );
  if (!org)
    return (
      <main id="main" class="page" aria-busy="true">
        {back}
        <p role="status">Loading…</p>
      </main>
    );

  const canEdit = org.foreign === true && mayAnnotate(session);
  if (editing)
    return (
      <main id="main" class="page">
        {back}
        <AnnotationForm
          org={org}
          accountName={session.account.name}
          onDone={(updated) => {
            if (updated) setOrg(updated);
            setSaved(updated !== null);
            setEditing(false);
            window.setTimeout(() => editButton.current?.focus(), 0);
          }}
        />
      </main>
    );

  const custom = Object.entries(org.custom_fields ?? {});
  const attachments = org.remarks_attachments ?? [];
  const general = [
    ['Account', org.account.name],
    ['Parent', org.parent ? org.parent : null],
    ['Manager', org.manager?.name ?? null],
    ['Financial ID', org.financial_id ?? null],
    ['Source', org.source && org.source !== 'manual' ? org.source : null],
  ] as const;
  return (
    <main id="main" class="page">
      {back}
      <div class="title-row">
        <h1 ref={heading} tabIndex={-1}>
          {org.name}
        </h1>
        {org.foreign && <span class="badge badge-foreign">Foreign: {org.account.name}</span>}
        {org.partner && <span class="badge">Partner</span>}
        {org.disabled && <span class="badge">Disabled</span>}
        {canEdit && (
          <button
            type="button"
            class="button"
            ref={editButton}
            onClick={() => {
              setSaved(false);
              setEditing(true);
            }}
          >
            Edit
          </button>
        )}
        {!org.foreign && writesOrganizations(session) && (
          <a class="button" href={`/organizations/${org.id}/edit`} onClick={linkClick}>
            Edit
          </a>
        )}
      </div>
      {saved && (
        <p class="notice" role="status" data-testid="saved">
          Your account's notes are saved.
        </p>
      )}
      {org.foreign && (
        <p class="notice">
          This organization belongs to {org.account.name}: you see its contact card. Remarks, financial ID and
          custom fields shown here are your account's own notes.
        </p>
      )}
      <div class="grid">
        <section class="card" aria-labelledby="general-title">
          <h2 id="general-title">General</h2>
          <dl class="details">
            {general.map(([k, v]) =>
              v === null ? null : (
                <div key={k} class="row">
                  <dt>{k}</dt>
                  <dd>
                    {typeof v === 'object' ? (
                      <a href={`/organizations/${v.id}`} onClick={linkClick}>
                        {v.name}
                      </a>
                    ) : (
                      v
                    )}
                  </dd>
                </div>
              ),
            )}
          </dl>
        </section>
        <Contact org={org} />
        {(org.remarks || attachments.length > 0) && (
          <section class="card" aria-labelledby="remarks-title">
            <h2 id="remarks-title">Remarks</h2>
            {org.remarks && <p class="remarks">{org.remarks}</p>}
            {attachments.length > 0 && (
              <ul class="attachments">
                {attachments.map((a) => (
                  <li key={a.key}>
                    <a href={`/v1/attachments/${encodeURIComponent(a.key)}`} download={a.filename}>
                      {a.filename}
                    </a>{' '}
                    <span class="muted">({Math.max(1, Math.round(a.size / 1024))} KB)</span>
                  </li>
                ))}
              </ul>
            )}
          </section>
        )}
        {custom.length > 0 && (
          <section class="card" aria-labelledby="custom-title">
            <h2 id="custom-title">Custom fields</h2>
            <dl class="details">
              {custom.map(([k, v]) => (
                <div key={k} class="row">
                  <dt>{labels[k] ?? label(k.replace(/_/g, ' '))}</dt>
                  <dd>{fieldText(v)}</dd>
                </div>
              ))}
            </dl>
          </section>
        )}
      </div>
      {!org.foreign && isStaff(session) && <OrgParts key={org.id} org={org} session={session} />}
      {!org.foreign && isStaff(session) && <HistoryDetails key={`history-${org.id}`} type="organization" id={org.id} />}
    </main>
  );
}
