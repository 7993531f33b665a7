/**
 * Live updates: one EventSource on /api/events, whose events the gateway pushes as things happen
 * (docs/PROTOCOL.md, "Admin console"). A page decides per event what to do with what it shows:
 * patch it in place from the event's data (a revoked device, changed connections: no request),
 * reload it (something else changed), or ignore it. Nothing here asks the API on a timer.
 */
import { createContext, useContext, useEffect, useRef, useState } from 'react';
import { arrived, get, type Arrived } from './api.js';
import type { ConsoleChange, ConsoleConnections, ConsoleCounts, ConsoleDeviceChange, ConsoleHello } from '../../protocol/schemas/console.js';

export type FeedEvent = { type: 'connections'; data: ConsoleConnections } | { type: 'device'; data: ConsoleDeviceChange } | { type: 'change'; data: ConsoleChange };

export interface Live {
  connected: boolean;
  counts: ConsoleCounts | null;
  subscribe(listener: (event: FeedEvent) => void): () => void;
}

const noSubscription = () => () => undefined;
export const LiveContext = createContext<Live>({ connected: false, counts: null, subscribe: noSubscription });
export const useLive = () => useContext(LiveContext);

function parse<T>(event: Event): T | null {
  try {
    return JSON.parse((event as MessageEvent<string>).data) as T;
  } catch {
    return null;
  }
}

export function useLiveFeed(enabled: boolean, onEnded: () => void): Live {
  const listeners = useRef(new Set<(event: FeedEvent) => void>());
  const [state, setState] = useState<{ connected: boolean; counts: ConsoleCounts | null }>({ connected: false, counts: null });
  const [subscribe] = useState(() => (listener: (event: FeedEvent) => void) => {
    listeners.current.add(listener);
    return () => void listeners.current.delete(listener);
  });
  useEffect(() => {
    if (!enabled) return;
    const source = new EventSource('/api/events');
    const tell = (event: FeedEvent) => {
      for (const listener of listeners.current) listener(event);
    };
    source.addEventListener('error', () => setState((s) => ({ ...s, connected: false })));
    // The state as the stream opens: pages loaded it themselves, so this is no reason to reload.
    source.addEventListener('hello', (event) => {
      const hello = parse<ConsoleHello>(event);
      setState({ connected: true, counts: hello });
    });
    source.addEventListener('connections', (event) => {
      const data = parse<ConsoleConnections>(event);
      if (!data) return;
      setState({ connected: true, counts: data });
      tell({ type: 'connections', data });
    });
    source.addEventListener('device', (event) => {
      const data = parse<ConsoleDeviceChange>(event);
      if (data) tell({ type: 'device', data });
    });
    source.addEventListener('change', (event) => {
      const data = parse<ConsoleChange>(event);
      if (data) tell({ type: 'change', data });
    });
    source.addEventListener('session_ended', () => {
      source.close();
      onEnded();
    });
    return () => source.close();
  }, [enabled, onEnded]);
  return { ...state, subscribe };
}

/** What a page does with a live event: reload its data, patch it in place, or nothing. */
export type LiveReaction<T> = (event: FeedEvent) => 'reload' | 'ignore' | ((data: T) => T);

/** Every event means "reload": for pages that show sums or lists the events do not carry. */
export const reloadOnAny = (): 'reload' => 'reload';
/** Only other changes mean "reload": connection counts and device states are not on this page. */
export const reloadOnChange = (event: FeedEvent): 'reload' | 'ignore' => (event.type === 'change' ? 'reload' : 'ignore');

/**
 * Loads `load()` now and as live events say; keeps the last good value while reloading. An answer
 * that is already here (`first`: the entry's early read of this page) is the first state, so the
 * page's first frame shows its data and nothing is asked again.
 */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[], react: LiveReaction<T> = reloadOnAny, first?: () => Arrived<T> | undefined): { data: T | null; error: string | null; reload: () => void } {
  const { subscribe } = useLive();
  const [initial] = useState(() => first?.());
  const [data, setData] = useState<T | null>(initial && 'value' in initial ? initial.value : null);
  const [error, setError] = useState<string | null>(initial && 'error' in initial ? initial.error.message : null);
  const [nonce, setNonce] = useState(0);
  const loaded = useRef(initial !== undefined);
  const reactRef = useRef(react);
  reactRef.current = react;
  useEffect(
    () =>
      subscribe((event) => {
        const reaction = reactRef.current(event);
        if (reaction === 'reload') setNonce((n) => n + 1);
        else if (reaction !== 'ignore') setData((current) => (current === null ? current : reaction(current)));
      }),
    [subscribe],
  );
  useEffect(() => {
    if (loaded.current) {
      loaded.current = false; // the first state came with the page: nothing to load yet
      return;
    }
    let current = true;
    load().then(
      (value) => {
        if (!current) return;
        setData(value);
        setError(null);
      },
      (e: unknown) => {
        if (current) setError(e instanceof Error ? e.message : String(e));
      },
    );
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, nonce]);
  return { data, error, reload: () => setNonce((n) => n + 1) };
}

/** useLoad of one console API read; its first state is the entry's early read of `path` when that is here. */
export function useRead<T>(path: string, react: LiveReaction<T> = reloadOnAny): { data: T | null; error: string | null; reload: () => void } {
  return useLoad(() => get<T>(path), [path], react, () => arrived<T>(path));
}
