/**
 * Live updates: one EventSource on /api/events. Each `change` (the audit head or the live
 * connection counts moved) bumps a version number; pages reload what they show when it changes.
 */
import { createContext, useContext, useEffect, useState } from 'react';
import type { ConsoleChange } from '../../protocol/schemas/console.js';

export interface Live {
  version: number;
  last: ConsoleChange | null;
  connected: boolean;
}

export const LiveContext = createContext<Live>({ version: 0, last: null, connected: false });
export const useLive = () => useContext(LiveContext);

export function useLiveFeed(enabled: boolean, onEnded: () => void): Live {
  const [live, setLive] = useState<Live>({ version: 0, last: null, connected: false });
  useEffect(() => {
    if (!enabled) return;
    const source = new EventSource('/api/events');
    source.addEventListener('open', () => setLive((l) => ({ ...l, connected: true })));
    source.addEventListener('error', () => setLive((l) => ({ ...l, connected: false })));
    source.addEventListener('change', (event) => {
      let change: ConsoleChange | null = null;
      try {
        change = JSON.parse((event as MessageEvent<string>).data) as ConsoleChange;
      } catch {
        change = null;
      }
      setLive((l) => ({ version: l.version + 1, last: change ?? l.last, connected: true }));
    });
    source.addEventListener('session_ended', () => {
      source.close();
      onEnded();
    });
    return () => source.close();
  }, [enabled, onEnded]);
  return live;
}

/** Loads `load()` now and again after each live change; keeps the last good value while reloading. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): { data: T | null; error: string | null; reload: () => void } {
  const { version } = useLive();
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
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
  }, [...deps, version, nonce]);
  return { data, error, reload: () => setNonce((n) => n + 1) };
}
