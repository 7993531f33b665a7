import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../helpers/postgres.js';
import { migrate } from '../../../gateway/store/postgres/migrate.js';
import { MIGRATIONS } from '../../../gateway/store/postgres/migrations.js';
import { createSingleUseStore } from '../../../gateway/cluster/single-use.js';
import { createClusterGate, ClusterUnavailableError } from '../../../gateway/cluster/gate.js';

let server: ThrowawayPostgres;
let poolA: pg.Pool;
let poolB: pg.Pool;
let clock = 1_000_000;
const now = (): number => clock;

beforeAll(async () => {
  server = await startThrowawayPostgres();
  const url = await server.createDatabase();
  // Two pools stand for two gateway instances on one database.
  poolA = new pg.Pool({ connectionString: url, max: 4 });
  poolB = new pg.Pool({ connectionString: url, max: 4 });
  await migrate(poolA, MIGRATIONS);
});

afterAll(async () => {
  await poolA?.end();
  await poolB?.end();
  await server?.down();
});

describe('single use across instances (PostgreSQL)', () => {
  it('accepts a value once, on any instance', async () => {
    const a = createSingleUseStore(poolA, { now }).guard('dpop');
    const b = createSingleUseStore(poolB, { now }).guard('dpop');
    expect(await a.claim('jti-1', clock + 60)).toBe(true);
    expect(await b.claim('jti-1', clock + 60)).toBe(false);
    expect(await a.claim('jti-1', clock + 60)).toBe(false);
    // Scopes are separate: an enrollment nonce with the same text is another value.
    expect(await createSingleUseStore(poolB, { now }).claim('enroll', 'jti-1', clock + 60)).toBe(true);
  });

  it('lets exactly one of many racing claims win, across instances and within a batch', async () => {
    const a = createSingleUseStore(poolA, { now }).guard('dpop');
    const b = createSingleUseStore(poolB, { now }).guard('dpop');
    const claims = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).claim('raced', clock + 60));
    const results = await Promise.all(claims);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('answers a burst of distinct values correctly when batched', async () => {
    const a = createSingleUseStore(poolA, { now }).guard('dpop');
    const values = Array.from({ length: 300 }, (_, i) => `burst-${i}`);
    const first = await Promise.all(values.map((v) => a.claim(v, clock + 60)));
    expect(first.every(Boolean)).toBe(true);
    const again = await Promise.all(values.map((v) => a.claim(v, clock + 60)));
    expect(again.some(Boolean)).toBe(false);
  });

  it('frees a value after it expires, refuses already-expired claims, and sweeps', async () => {
    const store = createSingleUseStore(poolA, { now });
    expect(await store.claim('dpop', 'short', clock + 5)).toBe(true);
    expect(await store.claim('dpop', 'stale', clock - 1)).toBe(false);
    clock += 10;
    expect(await store.claim('dpop', 'short', clock + 5)).toBe(true);
    clock += 120;
    expect(await store.sweep()).toBeGreaterThan(0);
    const { rows } = await poolA.query<{ n: string }>('SELECT count(*) AS n FROM single_use WHERE expires_at <= $1', [clock]);
    expect(Number(rows[0]!.n)).toBe(0);
  });

  it('refuses claims while the cluster gate is closed', async () => {
    const gate = createClusterGate('feed lost');
    const guard = createSingleUseStore(poolA, { now, gate }).guard('dpop');
    await expect(guard.claim('gated', clock + 60)).rejects.toBeInstanceOf(ClusterUnavailableError);
    gate.open();
    expect(await guard.claim('gated', clock + 60)).toBe(true);
  });
});
