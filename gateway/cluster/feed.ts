/**
 * One instance's view of the cluster events: a dedicated PostgreSQL connection that LISTENs on
 * `airlock_cluster` and applies each event at once (cut live connections, update caches).
 *
 * Fail closed: the gate closes the moment the connection is in doubt (error, end, a heartbeat
 * that does not come back in time) and opens again only after the feed is listening again AND has
 * applied every event committed since the last one it saw. Reconnection is automatic, with backoff.
 */
import pg from 'pg';
import { CLUSTER_CHANNEL, eventFromPayload, type ClusterEvent } from './events.js';
import { clusterEventsAfter, lastClusterSeq } from './publish.js';
import type { ClusterGate } from './gate.js';

export interface ClusterFeedOptions {
  /** Connection settings of the dedicated listening connection. */
  connection: pg.ClientConfig;
  gate: ClusterGate;
  /** Acts on one event. Must be idempotent: after a reconnect an event may be seen twice. */
  apply: (event: ClusterEvent) => void | Promise<void>;
  /** Called after a reconnect has replayed missed events, before the gate opens (e.g. reload caches). */
  afterCatchUp?: () => void | Promise<void>;
  log?: (line: string) => void;
  /** How often the connection is checked, and how long a check may take. */
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
  /** Reconnect delays: first, doubling up to max. */
  retryMinMs?: number;
  retryMaxMs?: number;
}

export interface ClusterFeed {
  /** Connects, catches up and opens the gate; retries until it succeeds or `stop()`. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The last event applied. */
  readonly seq: number;
  /** Times the feed has (re)connected and caught up. */
  readonly connects: number;
}

export function createClusterFeed(options: ClusterFeedOptions): ClusterFeed {
  const log = options.log ?? (() => undefined);
  const heartbeatMs = options.heartbeatMs ?? 1_000;
  const heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 2_000;
  const retryMinMs = options.retryMinMs ?? 50;
  const retryMaxMs = options.retryMaxMs ?? 2_000;
  const { gate } = options;

  let client: pg.Client | undefined;
  let seq = -1; // unknown until the first connect
  let connects = 0;
  let stopped = false;
  let heartbeat: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryDelay = retryMinMs;
  let firstStart: { resolve: () => void } | undefined;
  // Events are applied strictly one after another, in seq order, whichever path brought them.
  let applying: Promise<void> = Promise.resolve();

  function enqueue(events: ClusterEvent[]): Promise<void> {
    const run = applying.then(async () => {
      for (const event of events) {
        if (event.seq <= seq) continue;
        if (event.seq !== seq + 1 && client !== undefined) {
          // A gap (should not happen: seqs are gap-free in commit order): read what is missing.
          const missing = await clusterEventsAfter(client, seq);
          for (const m of missing) if (m.seq < event.seq) await applyOne(m);
        }
        await applyOne(event);
      }
    });
    applying = run.catch(() => undefined);
    return run;
  }

  async function applyOne(event: ClusterEvent): Promise<void> {
    if (event.seq <= seq) return;
    try {
      await options.apply(event);
    } catch (error) {
      // An instance that cannot act on a revocation must not keep serving as if it had.
      log(`cluster: applying event ${event.seq} failed: ${describe(error)}`);
      throw error;
    }
    seq = event.seq;
  }

  function lost(why: string, failed: pg.Client): void {
    if (client !== failed) return;
    client = undefined;
    gate.close(why);
    if (heartbeat) clearInterval(heartbeat);
    heartbeat = undefined;
    failed.removeAllListeners('notification');
    failed.on('error', () => undefined);
    failed.end().catch(() => undefined);
    log(`cluster: feed lost (${why}); refusing authenticated requests until caught up`);
    schedule();
  }

  function schedule(): void {
    if (stopped || retryTimer) return;
    const delay = retryDelay;
    retryDelay = Math.min(retryDelay * 2, retryMaxMs);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, delay);
  }

  async function connect(): Promise<void> {
    if (stopped) return;
    const c = new pg.Client({ ...options.connection, keepAlive: true });
    c.on('error', (error) => lost(`connection error: ${describe(error)}`, c));
    c.on('end', () => lost('connection ended', c));
    try {
      client = c;
      await c.connect();
      // Listen first, then read the backlog: an event committed in between arrives both ways and
      // the seq check applies it once.
      await c.query(`LISTEN ${CLUSTER_CHANNEL}`);
      // Notifications that arrive before the backlog is read wait for it, so that order holds.
      let held: ClusterEvent[] | undefined = [];
      c.on('notification', (message) => {
        if (message.channel !== CLUSTER_CHANNEL) return;
        const event = eventFromPayload(message.payload);
        if (!event) {
          log('cluster: ignoring a malformed notification');
          return;
        }
        if (held) held.push(event);
        else enqueue([event]).catch((error: unknown) => lost(`could not apply event: ${describe(error)}`, c));
      });
      // First start: the store already holds the current state; only later events matter.
      if (seq < 0) seq = await lastClusterSeq(c);
      else await enqueue(await clusterEventsAfter(c, seq));
      const late = held.sort((a, b) => a.seq - b.seq);
      held = undefined;
      await enqueue(late);
      await options.afterCatchUp?.();
      if (client !== c || stopped) return;
      connects++;
      retryDelay = retryMinMs;
      heartbeat = setInterval(() => void beat(c), heartbeatMs);
      heartbeat.unref();
      gate.open();
      log(`cluster: feed listening, caught up to event ${seq}`);
      firstStart?.resolve();
      firstStart = undefined;
    } catch (error) {
      if (client === c) lost(`connect failed: ${describe(error)}`, c);
    }
  }

  async function beat(c: pg.Client): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        c.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${heartbeatTimeoutMs} ms`)), heartbeatTimeoutMs);
        }),
      ]);
    } catch (error) {
      lost(`heartbeat failed: ${describe(error)}`, c);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    get seq() {
      return Math.max(seq, 0);
    },
    get connects() {
      return connects;
    },
    start() {
      stopped = false;
      const ready = new Promise<void>((resolve) => {
        firstStart = { resolve };
      });
      void connect();
      return ready;
    },
    async stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      if (heartbeat) clearInterval(heartbeat);
      heartbeat = undefined;
      const c = client;
      client = undefined;
      gate.close('stopped');
      firstStart?.resolve();
      firstStart = undefined;
      if (c) {
        c.removeAllListeners('end');
        await c.end().catch(() => undefined);
      }
      await applying;
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
