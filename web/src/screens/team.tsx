// A team's form (PART-4): its name and its escalation layers, each an ordered list of
// people of the account (technicians, partner technicians). POST /v1/teams, or PATCH
// /v1/teams/{id} with only what changed and If-Match. The API checks every member (one
// layer at most, a partner technician only while linked to a partner organization) and
// names the entry it refuses (`layers[1].members[0]`): shown in the form's summary.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, getJson, getTagged, send, type Ref } from '../api';
import { linkClick, navigate } from '../router';
import { hasRole, type SessionInfo } from '../session';
import { ErrorMessage } from './error';
import { ErrorSummary, TextField, fieldErrors } from './form';

export interface Team {
  id: number;
  name: string;
  members: Ref[];
  layers: { members: Ref[] }[];
}

/** Who may change teams (the API's rule): administrators, SLMs and supervisors. */
export const writesTeams = (s: SessionInfo) => hasRole(s, 'account_administrator', 'service_level_manager', 'supervisor');

interface Candidate extends Ref {
  username?: string;
}

/** The people a layer can take: the account's technicians and partner technicians (the first
 *  100 of each, as the other pickers). */
function useCandidates(): Candidate[] {
  const [people, setPeople] = useState<Candidate[]>([]);
  useEffect(() => {
    Promise.all(['technician', 'partner'].map((r) => getJson<Candidate[]>(`/v1/people?role=${r}&per_page=100`)))
      .then(([a, b]) => setPeople([...a, ...b.filter((p) => !a.some((q) => q.id === p.id))]))
      .catch(() => setPeople([]));
  }, []);
  return people;
}

const layerIds = (layers: { members: Ref[] }[]) => layers.map((l) => ({ members: l.members.map((m) => ({ id: m.id })) }));

export function TeamFormScreen({ id, session }: { id: number | null; session: SessionInfo }) {
  const [name, setName] = useState('');
  const [layers, setLayers] = useState<{ members: Ref[] }[]>([{ members: [] }]);
  const [orig, setOrig] = useState<Team | null>(null);
  const [etag, setEtag] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const candidates = useCandidates();
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    heading.current?.focus();
    if (id === null) return;
    getTagged<Team>(`/v1/teams/${id}`)
      .then(({ body, etag: tag }) => {
        setOrig(body);
        setEtag(tag);
        setName(body.name);
        setLayers(body.layers.length ? body.layers : [{ members: [] }]);
      })
      .catch((err) => setLoadError(err instanceof ApiError ? err : new ApiError(0, String(err))));
  }, [id]);

  if (!writesTeams(session))
    return (
      <main id="main" class="page">
        <h1>Teams</h1>
        <p role="alert">You are not allowed to change teams.</p>
      </main>
    );
  if (loadError)
    return (
      <main id="main" class="page">
        <h1>Team {id}</h1>
        <ErrorMessage error={loadError} />
      </main>
    );

  const inLayer = (pid: number) => layers.findIndex((l) => l.members.some((m) => m.id === pid));
  const setLayer = (i: number, members: Ref[]) => setLayers(layers.map((l, k) => (k === i ? { members } : l)));
  const add = (i: number, value: string) => {
    const p = candidates.find((c) => String(c.id) === value);
    if (p) setLayer(i, [...layers[i].members, { id: p.id, name: p.name }]);
  };
  const move = (i: number, j: number, d: number) => {
    const m = [...layers[i].members];
    [m[j], m[j + d]] = [m[j + d], m[j]];
    setLayer(i, m);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // Empty layers are dropped: a layer is the people in it.
      const wanted = layerIds(layers.filter((l) => l.members.length));
      const body: Record<string, unknown> = {};
      if (!orig || name.trim() !== orig.name) body.name = name.trim();
      if (!orig || JSON.stringify(wanted) !== JSON.stringify(layerIds(orig.layers))) body.layers = wanted;
      if (orig === null) await send<Team>('POST', '/v1/teams', body);
      else if (Object.keys(body).length) await send<Team>('PATCH', `/v1/teams/${orig.id}`, body, { headers: etag ? { 'If-Match': etag } : {} });
      navigate('/teams');
    } catch (err) {
      const apiErr = err instanceof ApiError ? err : new ApiError(0, String(err));
      setError(apiErr);
      if (fieldErrors(apiErr).name) window.setTimeout(() => document.getElementById('team-name')?.focus(), 0);
    } finally {
      setBusy(false);
    }
  };

  const title = orig ? `Edit ${orig.name}` : id === null ? 'New team' : 'Team';
  return (
    <main id="main" class="page">
      <p>
        <a href="/teams" onClick={linkClick}>
          ← Teams
        </a>
      </p>
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      <form class="card stack form" onSubmit={submit} noValidate aria-busy={id !== null && !orig}>
        <ErrorSummary error={error} shown={['name']} />
        <TextField id="team-name" label="Name" value={name} onInput={setName} required maxLength={255} error={fieldErrors(error).name} />
        <p class="hint">Requests go to the first layer; escalation moves them to the next one.</p>
        {layers.map((l, i) => (
          <fieldset key={i} class="layer" data-testid={`layer-${i + 1}`}>
            <legend>Layer {i + 1}</legend>
            {l.members.length === 0 && <p class="empty">No one yet.</p>}
            <ol>
              {l.members.map((m, j) => (
                <li key={m.id}>
                  {m.name}{' '}
                  <button type="button" class="button secondary" disabled={j === 0} onClick={() => move(i, j, -1)} aria-label={`Move ${m.name} up in layer ${i + 1}`}>
                    ↑
                  </button>{' '}
                  <button type="button" class="button secondary" onClick={() => setLayer(i, l.members.filter((_, k) => k !== j))} aria-label={`Remove ${m.name} from layer ${i + 1}`}>
                    Remove
                  </button>
                </li>
              ))}
            </ol>
            <div class="field">
              <label for={`team-add-${i}`}>Add to layer {i + 1}</label>
              <select id={`team-add-${i}`} value="" onChange={(e) => add(i, (e.target as HTMLSelectElement).value)}>
                <option value="">Choose a person…</option>
                {candidates
                  .filter((c) => inLayer(c.id) !== i)
                  .map((c) => (
                    <option key={c.id} value={String(c.id)}>
                      {c.name}
                      {c.username ? ` (${c.username})` : ''}
                      {inLayer(c.id) >= 0 ? ` — in layer ${inLayer(c.id) + 1}` : ''}
                    </option>
                  ))}
              </select>
            </div>
            {layers.length > 1 && (
              <button type="button" class="button secondary" onClick={() => setLayers(layers.filter((_, k) => k !== i))}>
                Remove layer {i + 1}
              </button>
            )}
          </fieldset>
        ))}
        <p>
          <button type="button" class="button secondary" onClick={() => setLayers([...layers, { members: [] }])}>
            Add a layer
          </button>
        </p>
        <p>
          <button type="submit" class="button" disabled={busy}>
            {id === null ? 'Create team' : 'Save team'}
          </button>
        </p>
      </form>
    </main>
  );
}
