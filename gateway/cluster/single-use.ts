/**
 * Values that may be used once across every instance on one PostgreSQL: DPoP proof ids (`jti`) and
 * enrollment nonces. A claim is an INSERT ... ON CONFLICT that succeeds only for a new value or one
 * whose earlier claim has expired, so two instances racing on one value cannot both win.
 *
 * Up to `maxInFlight` statements run at once; claims that arrive while all are busy are sent
 * together as one statement when one returns: no added latency when idle, one round trip per
 * batch under load.
 */
import type pg from 'pg';
import type { ReplayGuard } from '../auth/replay-guard.js';
import type { ClusterGate } from './gate.js';

export interface SingleUseStore {
  claim(scope: string, value: string, expiresAt: number): Promise<boolean>;
  /** Deletes expired claims; returns how many. */
  sweep(): Promise<number>;
  /** A `ReplayGuard` over one scope. */
  guard(scope: string): ReplayGuard;
}

export interface SingleUseOptions {
  /** Epoch seconds; the expiry unit. */
  now?: () => number;
  /** When given, claims are refused while the gate is closed (fail closed during an outage). */
  gate?: ClusterGate;
  /** Upper bound of one batch. */
  maxBatch?: number;
  /** Statements in flight at once (each on its own pooled connection); more claims wait and batch. */
  maxInFlight?: number;
}

interface Pending {
  scope: string;
  value: string;
  expiresAt: number;
  resolve: (won: boolean) => void;
  reject: (error: unknown) => void;
}

export function createSingleUseStore(pool: pg.Pool, options: SingleUseOptions = {}): SingleUseStore {
  const now = options.now ?? (() => Date.now() / 1000);
  const maxBatch = options.maxBatch ?? 500;
  const maxInFlight = options.maxInFlight ?? 4;
  let queue: Pending[] = [];
  let inFlight = 0;

  async function send(batch: Pending[]): Promise<void> {
    // A value twice in one batch: the first wins, the rest are replays (and one statement may not
    // touch a row twice).
    const first = new Map<string, Pending>();
    const duplicates: Pending[] = [];
    for (const p of batch) {
      const key = `${p.scope}\u0000${p.value}`;
      if (first.has(key)) duplicates.push(p);
      else first.set(key, p);
    }
    const unique = [...first.values()];
    try {
      const { rows } = await pool.query<{ scope: string; value: string }>(
        `INSERT INTO single_use (scope, value, expires_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::float8[])
         ON CONFLICT (scope, value) DO UPDATE SET expires_at = EXCLUDED.expires_at
           WHERE single_use.expires_at <= $4
         RETURNING scope, value`,
        [unique.map((p) => p.scope), unique.map((p) => p.value), unique.map((p) => p.expiresAt), now()],
      );
      const won = new Set(rows.map((r) => `${r.scope}\u0000${r.value}`));
      for (const [key, p] of first) p.resolve(won.has(key));
      for (const p of duplicates) p.resolve(false);
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }

  async function drain(): Promise<void> {
    inFlight++;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, maxBatch);
        queue = queue.slice(batch.length);
        await send(batch);
      }
    } finally {
      inFlight--;
    }
  }

  function claim(scope: string, value: string, expiresAt: number): Promise<boolean> {
    try {
      options.gate?.assertOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    if (!Number.isFinite(expiresAt)) return Promise.reject(new TypeError('expiresAt must be a finite number of epoch seconds'));
    // An already expired claim would be accepted again at once: refuse it as a replay instead.
    if (expiresAt <= now()) return Promise.resolve(false);
    return new Promise<boolean>((resolve, reject) => {
      queue.push({ scope, value, expiresAt, resolve, reject });
      if (inFlight < maxInFlight) void drain();
    });
  }

  return {
    claim,
    async sweep() {
      const result = await pool.query('DELETE FROM single_use WHERE expires_at <= $1', [now()]);
      return result.rowCount ?? 0;
    },
    guard(scope) {
      return { claim: (jti, expiresAt) => claim(scope, jti, expiresAt) };
    },
  };
}
