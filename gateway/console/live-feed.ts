/**
 * Live updates for open console pages (server-sent events). Rather than hooking every place that
 * changes state (admin socket, console, enrollments, other instances), it looks once a second, and
 * only while a page is open, at what the pages show: the audit head and the live connection counts.
 * When either moved it tells every page `change`; the page then reloads what it shows. A console
 * action calls `poke()` so its own page updates without waiting for the tick.
 */
import { sseEvent } from '../events/sse.js';

export interface FeedSnapshot {
  auditSeq: number;
  connectedDevices: number;
  openStreams: number;
  openChannels: number;
}

export interface FeedClient {
  write(chunk: string): void;
  /** False once the session behind the page has ended: the stream then closes. */
  stillAllowed(): boolean;
  close(): void;
}

export interface LiveFeed {
  /** Registers a page; the returned function removes it. */
  add(client: FeedClient): () => void;
  poke(): void;
  clients(): number;
  stop(): void;
}

export function createLiveFeed(snapshot: () => Promise<FeedSnapshot>, options: { intervalMs?: number; heartbeatMs?: number } = {}): LiveFeed {
  const intervalMs = options.intervalMs ?? 1000;
  const heartbeatMs = options.heartbeatMs ?? 20_000;
  const clients = new Set<FeedClient>();
  let last = '';
  let timer: NodeJS.Timeout | undefined;
  let sinceBeat = 0;
  let looking = false;
  let lookAgain = false;

  async function look(): Promise<void> {
    if (looking) {
      // A poke during a look must not be lost: the state it announces may be newer than this look's.
      lookAgain = true;
      return;
    }
    looking = true;
    try {
      const now = await snapshot();
      const key = JSON.stringify(now);
      sinceBeat += intervalMs;
      const beat = sinceBeat >= heartbeatMs;
      if (beat) sinceBeat = 0;
      for (const client of [...clients]) {
        if (!client.stillAllowed()) {
          client.write(sseEvent('session_ended', {}));
          client.close();
          clients.delete(client);
          continue;
        }
        if (key !== last) client.write(sseEvent('change', now));
        // A comment line keeps proxies and the SSH tunnel from timing the stream out.
        else if (beat) client.write(': keep-alive\n\n');
      }
      last = key;
    } catch {
      // The store is briefly unavailable: the next tick tries again.
    } finally {
      looking = false;
      if (clients.size === 0) stopTimer();
      else if (lookAgain) {
        lookAgain = false;
        void look();
      }
    }
  }

  function stopTimer(): void {
    if (timer) clearInterval(timer);
    timer = undefined;
  }

  return {
    add(client) {
      clients.add(client);
      // The new page gets the current state at once, then changes.
      void snapshot().then((now) => client.write(sseEvent('change', now)), () => undefined);
      timer ??= setInterval(() => void look(), intervalMs);
      timer.unref();
      return () => {
        clients.delete(client);
        if (clients.size === 0) stopTimer();
      };
    },
    poke() {
      if (clients.size > 0) void look();
    },
    clients: () => clients.size,
    stop() {
      stopTimer();
      for (const client of clients) client.close();
      clients.clear();
    },
  };
}
