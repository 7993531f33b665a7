/**
 * Live updates for open console pages (server-sent events), pushed when the change happens:
 * - an admin operation this gateway ran (CLI over the admin socket, or the console) is announced
 *   as it returns (`publish`), a revocation with the device's new state, so an open page shows it
 *   without asking the API again;
 * - a device connecting or disconnecting is announced by the connection hub (`connectionsChanged`),
 *   gathered over `connectionsDelayMs` so 200 devices reconnecting make one event, not 200;
 * - what no hook reports (entries another gateway instance or a tester's call wrote) is found by a
 *   look at the audit head every `storeCheckMs` (15 s) while a page is open: one indexed read.
 * A session that ended (logout, idle or age) has its streams closed: at once on logout
 * (`endSession`), within `sweepMs` on expiry (an in-memory check, no I/O).
 */
import type { ConsoleChange, ConsoleConnections, ConsoleCounts, ConsoleDeviceChange, ConsoleHello } from '../../protocol/schemas/console.js';
import { sseEvent } from '../events/sse.js';

export interface FeedClient {
  /** The console session the page belongs to (its cookie value). */
  sessionId: string;
  write(chunk: string): void;
  close(): void;
}

export interface FeedSources {
  counts(): ConsoleCounts;
  /** A device's live connections. */
  connectionsOf(deviceId: string): { channels: number; streams: number };
  /** The audit log's head seq (0 when empty). */
  auditHead(): Promise<number>;
  /** False once the session has ended: its pages' streams then close. */
  sessionAlive(sessionId: string): boolean;
}

export interface FeedTimings {
  connectionsDelayMs: number;
  storeCheckMs: number;
  sweepMs: number;
  heartbeatMs: number;
}

export const DEFAULT_FEED_TIMINGS: FeedTimings = { connectionsDelayMs: 250, storeCheckMs: 15_000, sweepMs: 5_000, heartbeatMs: 20_000 };

/** What an admin operation changed, as pages are told. */
export type FeedChange = { kind: 'device'; id: string; status: ConsoleDeviceChange['status'] } | { kind: 'change'; what: string };

export interface LiveFeed {
  /** Registers a page; the returned function removes it. */
  add(client: FeedClient): () => void;
  /** Something this gateway did changed what pages show: every page hears it now. */
  publish(change: FeedChange): void;
  /** Devices whose connections opened, closed or were cut. */
  connectionsChanged(deviceId: string): void;
  /** The session logged out: its pages' streams end now. */
  endSession(sessionId: string): void;
  clients(): number;
  stop(): void;
}

export function createLiveFeed(sources: FeedSources, timings: Partial<FeedTimings> = {}): LiveFeed {
  const t = { ...DEFAULT_FEED_TIMINGS, ...timings };
  const clients = new Set<FeedClient>();
  const pendingDevices = new Set<string>();
  let connectionsTimer: NodeJS.Timeout | undefined;
  let periodic: NodeJS.Timeout[] = [];
  let knownSeq = -1;
  let lastWriteMs = Date.now();

  function send(chunk: string): void {
    lastWriteMs = Date.now();
    for (const client of clients) client.write(chunk);
  }

  function close(client: FeedClient): void {
    clients.delete(client);
    client.write(sseEvent('session_ended', {}));
    client.close();
    if (clients.size === 0) stopTimers();
  }

  async function checkStore(): Promise<void> {
    try {
      const seq = await sources.auditHead();
      if (knownSeq >= 0 && seq !== knownSeq) send(sseEvent('change', { auditSeq: seq, what: 'audit' } satisfies ConsoleChange));
      knownSeq = seq;
    } catch {
      // The store is briefly unavailable: the next check tries again.
    }
  }

  function sweep(): void {
    for (const client of [...clients]) if (!sources.sessionAlive(client.sessionId)) close(client);
    // A comment line keeps proxies and the SSH tunnel from timing a quiet stream out.
    if (clients.size > 0 && Date.now() - lastWriteMs >= t.heartbeatMs) send(': keep-alive\n\n');
  }

  function startTimers(): void {
    if (periodic.length > 0) return;
    periodic = [setInterval(() => void checkStore(), t.storeCheckMs), setInterval(sweep, t.sweepMs)];
    for (const timer of periodic) timer.unref();
  }

  function stopTimers(): void {
    for (const timer of periodic) clearInterval(timer);
    periodic = [];
    if (connectionsTimer) clearTimeout(connectionsTimer);
    connectionsTimer = undefined;
    pendingDevices.clear();
    knownSeq = -1;
  }

  function flushConnections(): void {
    connectionsTimer = undefined;
    const devices = [...pendingDevices].map((id) => ({ id, ...sources.connectionsOf(id) }));
    pendingDevices.clear();
    if (clients.size > 0) send(sseEvent('connections', { ...sources.counts(), devices } satisfies ConsoleConnections));
  }

  return {
    add(client) {
      clients.add(client);
      startTimers();
      // The new page hears the current state at once; later events are changes to it.
      void sources.auditHead().then(
        (seq) => {
          if (knownSeq < 0) knownSeq = seq;
          if (clients.has(client)) client.write(sseEvent('hello', { ...sources.counts(), auditSeq: seq } satisfies ConsoleHello));
        },
        () => undefined,
      );
      return () => {
        clients.delete(client);
        if (clients.size === 0) stopTimers();
      };
    },
    publish(change) {
      if (clients.size === 0) return;
      if (change.kind === 'device') {
        send(sseEvent('device', { id: change.id, status: change.status, ...sources.connectionsOf(change.id) } satisfies ConsoleDeviceChange));
      } else {
        send(sseEvent('change', { auditSeq: 0, what: change.what } satisfies ConsoleChange));
      }
      // The operation's own audit entry is not news for the store check.
      void sources.auditHead().then(
        (seq) => void (knownSeq = Math.max(knownSeq, seq)),
        () => undefined,
      );
    },
    connectionsChanged(deviceId) {
      if (clients.size === 0) return;
      pendingDevices.add(deviceId);
      connectionsTimer ??= setTimeout(flushConnections, t.connectionsDelayMs);
    },
    endSession(sessionId) {
      for (const client of [...clients]) if (client.sessionId === sessionId) close(client);
    },
    clients: () => clients.size,
    stop() {
      stopTimers();
      for (const client of clients) client.close();
      clients.clear();
    },
  };
}
