/**
 * Issue 12, hole 5: a flood of unauthenticated refusals from one address (16 loops of
 * `GET /v1/models` with `Authorization: DPoP a.b.c` for 5 s, as the attack suite did) must leave
 * another client's median latency within twice its quiet value, measured in this same test, and
 * grow the audit log by a few entries whose counts still account for every refused request.
 *
 * The flood comes from 127.0.0.2 and the legitimate client from 127.0.0.1 (Linux routes all of
 * 127/8 to loopback), so they are two addresses to the gateway. Both trust only the gateway's CA
 * and check its pin; no TLS check is relaxed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { pinnedServerIdentity, type TestDevice } from '../../helpers/pinned-client.js';

const FLOOD_MS = 5_000;
const LOOPS = 16;
const SUMMARY_MS = 6_000;

interface AuditRow {
  seq: number;
  type: string;
  actor: string;
  subject: string;
  details: { code?: string; client?: string; count?: number };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('a flood of refused requests from one address (issue 12, hole 5)', () => {
  let gw: TestGateway;
  let device: TestDevice;
  let flood: Agent;

  beforeAll(async () => {
    gw = await startGateway({ env: { AIRLOCK_REFUSALS_PER_MINUTE: '120', AIRLOCK_REFUSAL_SUMMARY_MS: String(SUMMARY_MS) } });
    device = await gw.enrolledDevice('bystander@example.com');
    flood = new Agent({ connections: LOOPS, localAddress: '127.0.0.2', connect: { ca: gw.caPem, minVersion: 'TLSv1.2', checkServerIdentity: pinnedServerIdentity([gw.pin]) } });
  }, 120_000);
  afterAll(async () => {
    await flood?.close();
    await gw?.stop();
  }, 60_000);

  /** Sequential authenticated calls for `ms`, returning each one's latency. */
  async function bystander(ms: number): Promise<number[]> {
    const latencies: number[] = [];
    const until = performance.now() + ms;
    while (performance.now() < until) {
      const started = performance.now();
      const res = await device.fetch('GET', '/v1/models');
      latencies.push(performance.now() - started);
      expect(res.status, res.text).toBe(200);
    }
    return latencies;
  }

  const headSeq = async () => (await gw.admin<AuditRow[]>({ op: 'audit.tail', n: 1 }))[0]!.seq;

  it('keeps the other client\'s median within twice its quiet value, and audits the flood as a few counted entries', async () => {
    await bystander(500); // warm connections and caches
    const quietBefore = median(await bystander(2_000));
    const seqBefore = await headSeq();

    let sent = 0;
    const statuses = new Map<number, number>();
    let stop = false;
    const loops = Array.from({ length: LOOPS }, async () => {
      while (!stop) {
        const res = await request(`${gw.url}/v1/models`, { dispatcher: flood, headers: { authorization: 'DPoP a.b.c' } });
        await res.body.text();
        sent++;
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      }
    });
    const during = bystander(FLOOD_MS);
    const floodMedian = median(await during);
    stop = true;
    await Promise.all(loops);
    const quietAfter = median(await bystander(2_000));
    const quiet = Math.max(quietBefore, quietAfter);

    expect(floodMedian, `quiet ${quietBefore.toFixed(2)} / ${quietAfter.toFixed(2)} ms, flood ${floodMedian.toFixed(2)} ms, ${sent} flood requests`).toBeLessThanOrEqual(2 * quiet);
    // The flood was refused: 401 until the address had its allowance of refusals, then 429.
    expect(statuses.get(200) ?? 0).toBe(0);
    expect(statuses.get(401)).toBeGreaterThan(0);
    expect(statuses.get(429)).toBeGreaterThan(0);

    // Every refused request is accounted for once the windows end: entries of its own or counts in a summary.
    let rows: AuditRow[] = [];
    const deadline = Date.now() + 3 * SUMMARY_MS;
    for (;;) {
      rows = (await gw.admin<AuditRow[]>({ op: 'audit.tail', n: 1000 })).filter((r) => r.seq > seqBefore);
      const accounted = rows.reduce((sum, r) => sum + (r.type === 'refusal.summary' ? (r.details.count ?? 0) : r.type === 'refusal' ? 1 : 0), 0);
      if (accounted >= sent || Date.now() > deadline) {
        expect(accounted).toBe(sent);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(rows.length, JSON.stringify(rows.map((r) => [r.type, r.details.code, r.details.count]))).toBeLessThanOrEqual(8);
    expect(rows.every((r) => r.details.client === '127.0.0.2')).toBe(true);
    expect(rows.some((r) => r.type === 'refusal.summary' && r.details.code === 'token_invalid')).toBe(true);
  }, 90_000);
});
