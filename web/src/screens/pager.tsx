// One page of a list at a time (issue 16): usePagedList loads the first page of a path,
// Next page follows the API's Link rel="next", Previous page goes back through the pages
// seen; the UI never holds more than the page it shows. <Pager> draws the two buttons.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, getPage } from '../api';
import { ErrorMessage } from './error';

export interface PagedList<T> {
  items: T[] | null;
  next: string | null;
  hasPrevious: boolean;
  loading: boolean;
  error: ApiError | null;
  goNext: () => void;
  goPrevious: () => void;
  /** Loads the page shown again (after a change to one of its records). */
  reload: () => void;
}

/** `first`: the first page's path; null loads nothing. A new `first` starts again. */
export function usePagedList<T>(first: string | null): PagedList<T> {
  const [trail, setTrail] = useState<string[]>([]);
  const [path, setPath] = useState<string | null>(first);
  const [items, setItems] = useState<T[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(false);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    setTrail([]);
    setPath(first);
  }, [first]);

  useEffect(() => {
    if (!path) return;
    let stale = false;
    setLoading(true);
    getPage<T>(path)
      .then((page) => {
        if (stale) return;
        setItems(page.items);
        setNext(page.next);
        setError(null);
      })
      .catch((err) => {
        if (stale) return;
        setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
        setItems(null);
        setNext(null);
      })
      .finally(() => {
        if (!stale) setLoading(false);
      });
    return () => {
      stale = true;
    };
  }, [path, tick]);

  return {
    items,
    next,
    hasPrevious: trail.length > 0,
    loading,
    error,
    goNext: () => {
      if (!next || !path) return;
      setTrail([...trail, path]);
      setPath(next);
    },
    goPrevious: () => {
      if (!trail.length) return;
      setPath(trail[trail.length - 1]);
      setTrail(trail.slice(0, -1));
    },
    reload: () => setTick((t) => t + 1),
  };
}

export function Pager({ list, label }: { list: PagedList<unknown>; label?: string }) {
  return (
    <div class="pager" role="group" aria-label={label ?? 'Pages'}>
      <button type="button" class="button secondary" onClick={list.goPrevious} disabled={!list.hasPrevious}>
        Previous page
      </button>
      <button type="button" class="button secondary" onClick={list.goNext} disabled={!list.next}>
        Next page
      </button>
    </div>
  );
}

/** A list of one page at a time with its pager: loading, error and empty states. */
export function ListTab<T extends { id: number }>({ path, empty, render, testid }: { path: string; empty: string; render: (x: T) => preact.JSX.Element; testid: string }) {
  const list = usePagedList<T>(path);
  return (
    <div>
      {list.error && <ErrorMessage error={list.error} />}
      {list.loading && !list.items && <p role="status">Loading…</p>}
      {list.items && list.items.length === 0 && <p class="empty">{empty}</p>}
      {list.items && list.items.length > 0 && (
        <ul class="plain-list" data-testid={testid}>
          {list.items.map((x) => (
            <li key={x.id}>{render(x)}</li>
          ))}
        </ul>
      )}
      {(list.next || list.hasPrevious) && <Pager list={list} />}
    </div>
  );
}
