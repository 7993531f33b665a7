/**
 * Issue 8, end to end: two real gateway processes (`airlock-gateway serve --store postgres://...`)
 * on one throwaway PostgreSQL, sharing one identity (the same data-dir secrets, as instances
 * behind a load balancer do) and one public origin. Real TLS, real DPoP, the real admin sockets.
 */
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initDataDir } from '../../../gateway/init/init.js';
import { freePort } from '../../helpers/free-port.js';
import { runCli, startGateway, type TestGateway } from '../../helpers/gateway.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../helpers/postgres.js';
import { TestDevice } from './support/device-client.js';

let server: ThrowawayPostgres;
let root: string;
let a: TestGateway;
let b: TestGateway;
let baseA: string;
let baseB: string;
let storeUrl: string;
/** The origin clients see (a load balancer's); the htu base of every proof, token iss and aud. */
const ORIGIN = 'https://localhost:8443';
const devices: TestDevice[] = [];

async function instance(dataDir: string, url: string): Promise<{ gw: TestGateway; base: string }> {
  const port = await freePort();
  const gw = await startGateway({ dataDir, args: ['--store', url, '--origin', ORIGIN, '--listen', `127.0.0.1:${port}`] });
  return { gw, base: `https://127.0.0.1:${port}` };
}

async function device(): Promise<TestDevice> {
  const d = await TestDevice.create(a.caPem, ORIGIN);
  devices.push(d);
  return d;
}

async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  server = await startThrowawayPostgres();
  const url = await server.createDatabase('airlock_gw');
  storeUrl = url;
  root = await mkdtemp(join(tmpdir(), 'airlock-two-'));
  const dirA = join(root, 'a');
  const dirB = join(root, 'b');
  await initDataDir(dirA);
  // Instance B: the same identity (CA, server and token keys, salts, policy), its own admin socket.
  await mkdir(dirB, { mode: 0o700 });
  for (const file of await readdir(dirA)) await copyFile(join(dirA, file), join(dirB, file));
  ({ gw: a, base: baseA } = await instance(dirA, url));
  ({ gw: b, base: baseB } = await instance(dirB, url));
}, 60_000);

afterAll(async () => {
  for (const d of devices) await d.close();
  await a?.stop({ keepData: true });
  await b?.stop({ keepData: true });
  if (root) await rm(root, { recursive: true, force: true });
  await server?.down();
});

describe('two gateway instances on one PostgreSQL', () => {
  it('a device enrolled through A holds a session on B and is served there', async () => {
    const d = await device();
    await d.enroll(baseA, await a.invite('ada@example.com'));
    expect((await d.session(baseB)).status).toBe(200);
    const models = await d.authed(baseB, 'GET', '/v1/models');
    expect(models.status).toBe(200);
    expect((await d.authed(baseA, 'GET', '/v1/models')).status).toBe(200);
  });

  it('refuses on B a proof already used on A', async () => {
    const d = await device();
    await d.enroll(baseB, await b.invite('bob@example.com'));
    expect((await d.session(baseA)).status).toBe(200);
    const first = await d.authed(baseA, 'GET', '/v1/models');
    expect(first.status).toBe(200);
    const replayed = await d.call(baseB, 'GET', '/v1/models', { proof: first.proof, auth: true });
    expect(replayed).toMatchObject({ status: 401, code: 'dpop_replay' });
  });

  it('cuts a stream open on A when the admin revokes through B, within a second', async () => {
    const d = await device();
    await d.enroll(baseA, await a.invite('cy@example.com'));
    expect((await d.session(baseA)).status).toBe(200);
    const stream = await d.stream(baseA, 'GET', '/v1/events');
    expect(stream.status).toBe(200);
    const started = performance.now();
    const revoked = await b.admin<{ status: string; cut: number }>({ op: 'device.revoke', id: d.deviceId, reason: 'lost laptop' });
    expect(revoked.status).toBe('revoked');
    const text = await stream.ended;
    const elapsed = performance.now() - started;
    expect(text).toContain('event: revoked');
    expect(text).toContain('lost laptop');
    expect(elapsed).toBeLessThan(1_000);
    expect(await d.authed(baseA, 'GET', '/v1/models')).toMatchObject({ status: 403, code: 'device_revoked' });
    expect(await d.authed(baseB, 'GET', '/v1/models')).toMatchObject({ status: 403, code: 'device_revoked' });
  });

  it('a lock made through B cuts a channel open on A and refuses there; removed through B, the device works on A again (issue 13)', async () => {
    const d = await device();
    await d.enroll(baseA, await a.invite('lock@example.com'));
    expect((await d.session(baseA)).status).toBe(200);
    const stream = await d.stream(baseA, 'GET', '/v1/events');
    expect(stream.status).toBe(200);
    const lock = await b.admin<{ id: string }>({ op: 'lock.create', target: { kind: 'device', id: d.deviceId }, ttlSeconds: 3600, message: 'paused' });
    const text = await stream.ended;
    expect(text).toContain('event: locked');
    expect(text).toContain('paused');
    expect(await d.authed(baseA, 'GET', '/v1/models')).toMatchObject({ status: 403, code: 'device_locked' });
    expect((await d.session(baseA)).status).toBe(403);
    await b.admin({ op: 'lock.remove', id: lock.id });
    await until(async () => (await d.session(baseA)).status === 200, 10_000);
    expect((await d.authed(baseA, 'GET', '/v1/models')).status).toBe(200);
  });

  it('a tester suspended and resumed through B is served on A again with a new invite (the resume reaches A at once)', async () => {
    const before = await device();
    await before.enroll(baseA, await a.invite('sus@example.com'));
    expect((await before.session(baseA)).status).toBe(200);
    expect((await before.authed(baseA, 'GET', '/v1/models')).status).toBe(200);
    await b.admin({ op: 'tester.suspend', email: 'sus@example.com', reason: 'paused' });
    expect(await before.authed(baseA, 'GET', '/v1/models')).toMatchObject({ status: 403, code: 'tester_suspended' });
    await b.admin({ op: 'tester.resume', email: 'sus@example.com' });
    const after = await device();
    await after.enroll(baseB, await b.invite('sus@example.com'));
    // A learnt of the suspension from B's event; it must learn of the resume too, not at its restart.
    expect((await after.session(baseA)).status).toBe(200);
    expect((await after.authed(baseA, 'GET', '/v1/models')).status).toBe(200);
    // The device revoked by the suspension stays revoked.
    expect(await before.authed(baseA, 'GET', '/v1/models')).toMatchObject({ status: 403 });
  });

  it('lets the admin CLI revoke with no gateway on its data dir, through the shared store', async () => {
    const d = await device();
    await d.enroll(baseB, await b.invite('fay@example.com'));
    expect((await d.session(baseA)).status).toBe(200);
    const stream = await d.stream(baseA, 'GET', '/v1/events');
    // An admin machine: the same identity, no gateway running there, the store URL in DATA/store.url.
    const adminDir = join(root, 'admin');
    await mkdir(adminDir, { mode: 0o700 });
    for (const file of ['ca.pem', 'policy.json']) await copyFile(join(a.dataDir, file), join(adminDir, file));
    await writeFile(join(adminDir, 'store.url'), `${storeUrl}\n`, { mode: 0o600 });
    const result = await runCli(['device', 'revoke', d.deviceId, '--reason', 'from the admin host', '--json', '--data', adminDir]);
    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({ id: d.deviceId, status: 'revoked' });
    expect(await stream.ended).toContain('from the admin host');
    expect(await d.authed(baseA, 'GET', '/v1/models')).toMatchObject({ status: 403, code: 'device_revoked' });
  });

  it('keeps one audit chain with entries from both instances, which `audit verify` passes', async () => {
    const verify = await b.cli(['audit', 'verify', '--json']);
    expect(verify.code).toBe(0);
    expect(verify.json()).toMatchObject({ ok: true, firstBad: null });
    const tail = (await a.admin<{ type: string; subject: string }[]>({ op: 'audit.tail', n: 1000 }));
    expect(tail.filter((e) => e.type === 'gateway.start')).toHaveLength(2);
    expect(tail.some((e) => e.type === 'session')).toBe(true);
    expect(tail.some((e) => e.type === 'admin.device.revoke')).toBe(true);
  });

  it('survives a PostgreSQL restart: refuses in the gap, lets no revoked device through, recovers by itself', async () => {
    const victim = await device();
    await victim.enroll(baseA, await a.invite('dee@example.com'));
    expect((await victim.session(baseA)).status).toBe(200);
    const bystander = await device();
    await bystander.enroll(baseB, await b.invite('eve@example.com'));
    expect((await bystander.session(baseB)).status).toBe(200);
    const stream = await victim.stream(baseA, 'GET', '/v1/events');
    expect(stream.status).toBe(200);

    // The victim keeps calling both instances throughout. A leak: a 200 for it once its
    // revocation had been committed for 500 ms (twice the instances' heartbeat), or any 200 while
    // PostgreSQL is down.
    let revokedAt = Number.POSITIVE_INFINITY;
    let down = false;
    const leaks: string[] = [];
    let refusedInGap = 0;
    let probing = true;
    const probe = (async () => {
      for (let i = 0; probing; i++) {
        const began = performance.now();
        const wasDown = down;
        const reply = await victim.authed(i % 2 === 0 ? baseA : baseB, 'GET', '/v1/models').catch(() => ({ status: 0 }));
        if (reply.status === 200 && wasDown) leaks.push(`served while PostgreSQL was down (${i % 2 === 0 ? 'A' : 'B'})`);
        if (reply.status === 200 && began > revokedAt + 500) leaks.push(`served ${Math.round(began - revokedAt)} ms after the revocation committed (${i % 2 === 0 ? 'A' : 'B'})`);
        if (wasDown && reply.status !== 200) refusedInGap++;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();

    await new Promise((r) => setTimeout(r, 100));
    await server.stop();
    down = true; // only once the server is gone: requests before that may rightly succeed
    await new Promise((r) => setTimeout(r, 300));
    down = false;
    await server.start();
    // Revoke through B as soon as the store answers again; A may still be reconnecting.
    await until(async () => {
      try {
        await b.admin({ op: 'device.revoke', id: victim.deviceId, reason: 'revoked across the restart' });
        return true;
      } catch {
        return false;
      }
    }, 15_000);
    revokedAt = performance.now();
    expect(await stream.ended).toContain('revoked across the restart');

    // Both instances serve again, without a restart of their own.
    await until(async () => (await bystander.authed(baseA, 'GET', '/v1/models')).status === 200, 15_000);
    await until(async () => (await bystander.authed(baseB, 'GET', '/v1/models')).status === 200, 15_000);
    await new Promise((r) => setTimeout(r, 700));
    probing = false;
    await probe;
    expect(leaks).toEqual([]);
    expect(refusedInGap).toBeGreaterThan(0);
    expect(await victim.authed(baseA, 'GET', '/v1/models')).toMatchObject({ status: 403, code: 'device_revoked' });
    expect(a.process.exitCode).toBeNull();
    expect(b.process.exitCode).toBeNull();
    const verify = await a.cli(['audit', 'verify', '--json']);
    expect(verify.json()).toMatchObject({ ok: true });
  });
});
