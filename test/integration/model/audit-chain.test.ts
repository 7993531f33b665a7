/**
 * Model-call audit entries are batched and fsync'd off the event loop (the SQLite store's group commit) yet
 * stay in the one hash chain with the entries of enrollments and admin commands, and an entry
 * that was committed survives SIGKILL. Real gateway process, pinned TLS, DPoP.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import type { TestDevice } from '../../helpers/pinned-client.js';
import { startOpenAiServer, type OpenAiTestServer } from '../../helpers/openai-server.js';
import { openStream } from './streaming-device.js';

interface AuditRow {
  seq: number;
  type: string;
  actor: string;
  subject: string;
  details: Record<string, unknown>;
}

describe('model-call audit through the worker', () => {
  let root: string;
  let dataDir: string;
  let upstream: OpenAiTestServer;
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    upstream = await startOpenAiServer();
    root = await mkdtemp(join(tmpdir(), 'airlock-model-audit-'));
    dataDir = join(root, 'data');
  });
  afterAll(async () => {
    for (const gw of gateways.reverse()) await gw.stop({ keepData: true });
    await upstream?.close();
    await rm(root, { recursive: true, force: true });
  });

  async function chat(device: TestDevice, i: number): Promise<void> {
    const stream = await openStream(device, 'POST', '/v1/chat/completions', { model: 'test-chat', stream: true, messages: [{ role: 'user', content: `call ${i}` }] });
    expect(stream.status).toBe(200);
    const events = await stream.rest();
    expect(events.at(-1)?.data).toBe('[DONE]');
  }

  /** The audit entries of a type, polled: a call's entry is written after its answer went out. */
  async function waitForEntries(gw: TestGateway, type: string, count: number): Promise<AuditRow[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const rows = (await gw.admin<AuditRow[]>({ op: 'audit.tail', n: 100_000 })).filter((r) => r.type === type);
      if (rows.length >= count || Date.now() > deadline) return rows;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('chains model calls with interleaved enrollments and admin commands; audit verify passes; a committed entry survives SIGKILL', async () => {
    const gw = await startGateway({ dataDir, upstreams: { upstreams: [{ kind: 'openai', name: 'test', baseUrl: upstream.baseUrl, models: [{ id: 'test-chat' }] }] } });
    gateways.push(gw);
    const first = await gw.enrolledDevice('first@example.com');

    // Calls in flight on two devices while enrollments, invites and a revocation commit on the main connection.
    const second = await gw.enrolledDevice('second@example.com');
    // One call at a time per device (the policy's open-streams limit), both devices at once.
    const callsOf = async (device: TestDevice, from: number) => {
      for (let i = from; i < 30; i += 2) await chat(device, i);
    };
    const calls = [callsOf(first, 0), callsOf(second, 1)];
    const admin = (async () => {
      for (let i = 0; i < 5; i++) await gw.enrolledDevice(`more${i}@example.com`);
      const victim = await gw.enrolledDevice('victim@example.com');
      await gw.admin({ op: 'device.revoke', id: victim.deviceId!, reason: 'test' });
    })();
    await Promise.all([...calls, admin]);

    const modelCalls = await waitForEntries(gw, 'model.call', 30);
    expect(modelCalls).toHaveLength(30);
    expect(new Set(modelCalls.map((r) => r.details['outcome']))).toEqual(new Set(['ok']));
    const all = await gw.admin<AuditRow[]>({ op: 'audit.tail', n: 100_000 });
    expect(all.filter((r) => r.type === 'enrollment')).toHaveLength(8);
    expect(all.some((r) => r.type === 'admin.device.revoke')).toBe(true);
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    const verify = await gw.cli(['audit', 'verify', '--json']);
    expect(verify.code).toBe(0);
    expect(verify.json()).toMatchObject({ ok: true, firstBad: null, entries: all.length });

    // One more call; once its entry is committed (visible to another connection), SIGKILL.
    await chat(first, 99);
    const after = await waitForEntries(gw, 'model.call', 31);
    expect(after).toHaveLength(31);
    const last = after.at(-1)!;
    await gw.kill('SIGKILL');
    expect(gw.process.signalCode).toBe('SIGKILL');

    const again = await startGateway({ dataDir });
    gateways.push(again);
    const verdict = await again.cli(['audit', 'verify', '--json']);
    expect(verdict.code).toBe(0);
    expect(verdict.json()).toMatchObject({ ok: true, firstBad: null });
    const kept = await again.admin<AuditRow[]>({ op: 'audit.tail', n: 100_000 });
    expect(kept.find((r) => r.seq === last.seq)).toMatchObject({ type: 'model.call', actor: `device:${first.deviceId}` });

    // The restarted gateway's worker continues the same chain.
    await chat(await again.enrolledDevice('after@example.com'), 100);
    expect(await waitForEntries(again, 'model.call', 32)).toHaveLength(32);
    expect((await again.cli(['audit', 'verify', '--json'])).json()).toMatchObject({ ok: true, firstBad: null });
  }, 120_000);
});
