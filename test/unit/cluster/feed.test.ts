import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../helpers/postgres.js';
import { migrate } from '../../../gateway/store/postgres/migrate.js';
import { MIGRATIONS } from '../../../gateway/store/postgres/migrations.js';
import { inTransaction } from '../../../gateway/store/postgres/queryable.js';
import { publishClusterEvent } from '../../../gateway/cluster/publish.js';
import { createClusterFeed, type ClusterFeed } from '../../../gateway/cluster/feed.js';
import { createClusterGate, type ClusterGate } from '../../../gateway/cluster/gate.js';
import type { ClusterChange, ClusterEvent } from '../../../gateway/cluster/events.js';

let server: ThrowawayPostgres;
let url: string;
let pool: pg.Pool;
const feeds: ClusterFeed[] = [];

beforeAll(async () => {
  server = await startThrowawayPostgres();
  url = await server.createDatabase();
  pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined); // idle clients die when the server restarts below
  await migrate(pool, MIGRATIONS);
});

afterAll(async () => {
  for (const feed of feeds) await feed.stop();
  await pool?.end();
  await server?.down();
});

const revoke = (n: number): ClusterChange => ({ kind: 'device.revoked', deviceId: `dev_${String(n).padStart(16, '0')}`, reason: `r${n}` });

function publish(change: ClusterChange): Promise<ClusterEvent> {
  return inTransaction(pool, (tx) => publishClusterEvent(tx, change));
}

function startFeed(retryMinMs = 20): { feed: ClusterFeed; gate: ClusterGate; seen: ClusterEvent[]; next: () => Promise<ClusterEvent> } {
  const gate = createClusterGate();
  const seen: ClusterEvent[] = [];
  const waiters: Array<(e: ClusterEvent) => void> = [];
  const feed = createClusterFeed({
    connection: { connectionString: url },
    gate,
    apply: (event) => {
      seen.push(event);
      waiters.shift()?.(event);
    },
    heartbeatMs: 200,
    retryMinMs,
    retryMaxMs: Math.max(200, retryMinMs),
  });
  feeds.push(feed);
  return { feed, gate, seen, next: () => new Promise((resolve) => waiters.push(resolve)) };
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('cluster feed (LISTEN/NOTIFY on PostgreSQL)', () => {
  it('ignores history at first start, then applies each committed event at once, in order', async () => {
    await publish(revoke(1));
    const a = startFeed();
    expect(a.gate.isOpen()).toBe(false);
    await a.feed.start();
    expect(a.gate.isOpen()).toBe(true);
    expect(a.seen).toEqual([]);

    const started = performance.now();
    const arrived = a.next();
    const event = await publish(revoke(2));
    expect(await arrived).toEqual(event);
    expect(performance.now() - started).toBeLessThan(200);

    await publish({ kind: 'tester.suspended', tester: 'ada@example.com', reason: 'left' });
    await publish({ kind: 'policy.changed' });
    await until(() => a.seen.length === 3);
    expect(a.seen.map((e) => e.kind)).toEqual(['device.revoked', 'tester.suspended', 'policy.changed']);
    expect(a.seen.map((e) => e.seq)).toEqual([2, 3, 4]);
  });

  it('publishes nothing when the change rolls back', async () => {
    const a = startFeed();
    await a.feed.start();
    const before = a.feed.seq;
    await expect(
      inTransaction(pool, async (tx) => {
        await publishClusterEvent(tx, revoke(99));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const arrived = a.next();
    const event = await publish(revoke(3));
    expect(await arrived).toEqual(event);
    expect(event.seq).toBe(before + 1);
    expect(a.seen.some((e) => e.kind === 'device.revoked' && e.deviceId.endsWith('99'))).toBe(false);
  });

  it('keeps seq gap-free in commit order under concurrent publishers', async () => {
    const a = startFeed();
    await a.feed.start();
    const from = a.feed.seq;
    await Promise.all(Array.from({ length: 20 }, (_, i) => publish(revoke(100 + i))));
    await until(() => a.seen.length === 20);
    expect(a.seen.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => from + 1 + i));
  });

  it('closes the gate when PostgreSQL goes away and catches up on events missed before reopening', async () => {
    // The first reconnect attempt comes late enough that the event below is committed before it.
    const a = startFeed(1_500);
    await a.feed.start();
    const b = startFeed(1_500);
    await b.feed.start();
    let missedSeq = Number.POSITIVE_INFINITY;
    let openedBeforeApplied = false;
    a.gate.onChange((state) => {
      if (state === 'open' && !a.seen.some((e) => e.seq === missedSeq)) openedBeforeApplied = true;
    });

    await server.stop();
    await until(() => !a.gate.isOpen() && !b.gate.isOpen(), 5_000);
    await server.start();

    // Committed while neither feed listens: no notification reaches them, only the backlog does.
    const missed = await publishWhenUp(revoke(500));
    missedSeq = missed.seq;
    expect(a.gate.isOpen() || b.gate.isOpen()).toBe(false);
    await until(() => a.gate.isOpen() && b.gate.isOpen(), 10_000);
    expect(openedBeforeApplied).toBe(false);
    expect(a.seen.at(-1)).toEqual(missed);
    expect(b.seen.at(-1)).toEqual(missed);
    expect(a.feed.connects).toBe(2);

    // And live notifications flow again.
    const arrived = a.next();
    const live = await publish(revoke(501));
    expect(await arrived).toEqual(live);
  });
});

async function publishWhenUp(change: ClusterChange): Promise<ClusterEvent> {
  for (let i = 0; ; i++) {
    try {
      return await publish(change);
    } catch (error) {
      if (i > 100) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
