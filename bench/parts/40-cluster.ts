/**
 * Several instances on PostgreSQL: cross-instance revocation latency (admin's revoke committed
 * through instance B's store -> the stream registered on instance A's hub is cut) and the
 * throughput of the cross-instance DPoP replay guard every authenticated request goes through,
 * with two instances on one throwaway PostgreSQL cluster; then the same end to end with two real
 * gateway processes (admin socket of B -> SSE channel on A closed; DPoP-authenticated GET
 * /v1/models spread over both). The throwaway cluster runs with fsync off: a durable PostgreSQL
 * adds its commit flush to every revocation and claim.
 */
import type { BenchRow } from '../run.js';
import { freePort } from '../../test/helpers/free-port.js';
import { createConnectionHub, type ConnectionHub } from '../../gateway/live/connection-hub.js';
import { createDeviceDirectory } from '../../gateway/auth/device-directory.js';
import { createGatewayCluster, type GatewayCluster } from '../../gateway/cluster/attach.js';
import { openPostgresStore, type PostgresStore } from '../../gateway/store/postgres/postgres-store.js';
import type { DeviceRecord } from '../../gateway/store/store.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../test/helpers/postgres.js';
import { startGateway, type TestGateway } from '../../test/helpers/gateway.js';
import { initDataDir } from '../../gateway/init/init.js';
import { TestDevice } from '../../test/integration/cluster/support/device-client.js';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Instance {
  store: PostgresStore;
  hub: ConnectionHub;
  cluster: GatewayCluster;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function instance(url: string): Promise<Instance> {
  const store = await openPostgresStore(url, { max: 8 });
  const hub = createConnectionHub();
  const cluster = createGatewayCluster({ store, hub, devices: createDeviceDirectory(store) });
  await cluster.start();
  return { store, hub, cluster };
}

async function enroll(store: PostgresStore, i: number): Promise<DeviceRecord> {
  const tag = String(i).padStart(6, '0');
  const invite = await store.createInvite(
    { id: `inv_bench${tag}`, email: `t${tag}@example.com`, codeHash: `bench-${tag}`, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), deviceLimit: 1 },
    { type: 'invite.create', actor: 'admin', subject: `inv_bench${tag}` },
  );
  const now = Math.floor(Date.now() / 1000);
  await store.createChallenge({ nonce: `bench-${tag}`, inviteId: invite.id, expiresAt: now + 120 });
  const outcome = await store.enrollDevice(
    {
      challengeNonce: `bench-${tag}`,
      codeHash: invite.codeHash,
      now,
      device: {
        id: `dev_bench${tag}aaaaaaaaaa`,
        publicJwk: { kty: 'EC', crv: 'P-256', x: 'x'.repeat(43), y: 'y'.repeat(43) },
        jkt: `bench-jkt-${tag}`,
        evidence: { platform: 'linux', osRelease: '6', arch: 'x64', appVersion: '1.0.0', buildId: 'dev', packaged: false, machineIdHash: 'm'.repeat(43), diskEncryption: 'on', debugger: false, keyStorage: 'keychain' },
      },
    },
    (d) => ({ type: 'device.enroll', actor: `device:${d.id}`, subject: d.id }),
  );
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.device;
}

async function core(server: ThrowawayPostgres, log: (line: string) => void): Promise<BenchRow[]> {
  const instances: Instance[] = [];
  try {
    const url = await server.createDatabase('airlock_bench');
    const a = await instance(url);
    const b = await instance(url);
    instances.push(a, b);

    // Revocation: 200 devices, each with a stream open on A (and 1,000 other open streams there),
    // revoked one after another through B.
    const rounds = 200;
    for (let i = 0; i < 1_000; i++) a.hub.add({ deviceId: `dev_idle${String(i).padStart(12, '0')}`, tester: `idle${i}@example.com`, kind: 'events', cut: () => undefined });
    const devices: DeviceRecord[] = [];
    for (let i = 0; i < rounds; i++) devices.push(await enroll(b.store, i));
    log(`revoking ${rounds} devices through B, each with a stream open on A`);
    const latencies: number[] = [];
    for (const device of devices) {
      const cut = new Promise<number>((resolve) => {
        const remove = a.hub.add({ deviceId: device.id, tester: device.tester, kind: 'stream', cut: () => { remove(); resolve(performance.now()); } });
      });
      const started = performance.now();
      await b.store.revokeDevice(device.id, 'bench', { type: 'admin.device.revoke', actor: 'admin', subject: device.id });
      latencies.push((await cut) - started);
    }
    latencies.sort((x, y) => x - y);

    // Replay guard: every authenticated request claims its proof's jti; 64 concurrent clients
    // spread over both instances for 3 s.
    log('claiming proof ids from both instances for 3 s');
    let claims = 0;
    const claimLatencies: number[] = [];
    const until = performance.now() + 3_000;
    const exp = Math.floor(Date.now() / 1000) + 120;
    await Promise.all(
      Array.from({ length: 64 }, async (_, worker) => {
        const guard = (worker % 2 === 0 ? a : b).cluster.replay;
        for (let i = 0; performance.now() < until; i++) {
          const t = performance.now();
          if (!(await guard.claim(`w${worker}-${i}`, exp))) throw new Error('a fresh jti was refused');
          claimLatencies.push(performance.now() - t);
          claims++;
        }
      }),
    );
    claimLatencies.sort((x, y) => x - y);
    const verify = await a.store.auditVerify();
    if (!verify.ok) throw new Error(`audit chain broken: ${verify.reason}`);

    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    return [
      { group: 'cluster', name: 'cross-instance revocation p50 (revoke via B -> stream cut on A)', value: p50, unit: 'ms', target: '< 1000 ms (aim 200)', meets: p50 < 1000 },
      { group: 'cluster', name: 'cross-instance revocation p99', value: p99, unit: 'ms', target: '< 1000 ms (aim 200)', meets: p99 < 1000 },
      { group: 'cluster', name: 'cross-instance DPoP jti claims (2 instances, 64 clients)', value: Math.round(claims / 3), unit: '/s', baseline: 'DESIGN.md: >= 3,000 authenticated req/s on one instance' },
      { group: 'cluster', name: 'jti claim p99 (2 instances, 64 clients)', value: percentile(claimLatencies, 99), unit: 'ms' },
    ];
  } finally {
    for (const i of instances) {
      await i.cluster.stop();
      await i.store.close();
    }
  }
}

async function endToEnd(server: ThrowawayPostgres, log: (line: string) => void): Promise<BenchRow[]> {
  const url = await server.createDatabase('airlock_bench_gw');
  const root = await mkdtemp(join(tmpdir(), 'airlock-bench-two-'));
  const origin = 'https://localhost:8443';
  const gateways: TestGateway[] = [];
  const devices: TestDevice[] = [];
  try {
    const dirA = join(root, 'a');
    const dirB = join(root, 'b');
    await initDataDir(dirA);
    await mkdir(dirB, { mode: 0o700 });
    for (const file of await readdir(dirA)) await copyFile(join(dirA, file), join(dirB, file));
    const bases: string[] = [];
    for (const dir of [dirA, dirB]) {
      const port = await freePort();
      gateways.push(await startGateway({ dataDir: dir, args: ['--store', url, '--origin', origin, '--listen', `127.0.0.1:${port}`] }));
      bases.push(`https://127.0.0.1:${port}`);
    }
    const [a, b] = gateways as [TestGateway, TestGateway];
    const [baseA, baseB] = bases as [string, string];
    const newDevice = async (email: string): Promise<TestDevice> => {
      const d = await TestDevice.create(a.caPem, origin);
      devices.push(d);
      await d.enroll(baseA, await a.invite(email));
      const session = await d.session(baseA);
      if (session.status !== 200) throw new Error(`session: ${JSON.stringify(session.body)}`);
      return d;
    };

    // Throughput: 16 devices, each calling A and B in turn, 2 requests in flight per device.
    log('end to end: authenticated GET /v1/models over two gateway processes for 5 s');
    const workers = await Promise.all(Array.from({ length: 16 }, (_, i) => newDevice(`load${i}@example.com`)));
    for (const w of workers) await w.authed(baseB, 'GET', '/v1/models'); // nonces and connections warm
    let ok = 0;
    let failed = 0;
    const statuses = new Map<string, number>();
    const times: number[] = [];
    const until = performance.now() + 5_000;
    await Promise.all(workers.flatMap((w, i) => [0, 1].map(async (lane) => {
      for (let n = 0; performance.now() < until; n++) {
        const t = performance.now();
        const reply = await w.authed((n + i + lane) % 2 === 0 ? baseA : baseB, 'GET', '/v1/models');
        times.push(performance.now() - t);
        if (reply.status === 200) ok++;
        else {
          failed++;
          const key = `${reply.status} ${reply.code ?? ''}`;
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
        }
      }
    })));
    if (failed > 0) log(`${failed} requests were not answered 200: ${JSON.stringify([...statuses])}`);
    times.sort((x, y) => x - y);

    // Revocation: the admin revokes through B's socket; the device's event channel on A closes.
    const rounds = 40;
    log(`end to end: ${rounds} revocations through B's admin socket, event channel open on A`);
    const latencies: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const d = await newDevice(`revoke${i}@example.com`);
      const stream = await d.stream(baseA, 'GET', '/v1/events');
      if (stream.status !== 200) throw new Error(`events: ${stream.status}`);
      const started = performance.now();
      await b.admin({ op: 'device.revoke', id: d.deviceId, reason: 'bench' });
      const text = await stream.ended;
      latencies.push(performance.now() - started);
      if (!text.includes('event: revoked')) throw new Error('the channel closed without a revoked event');
    }
    latencies.sort((x, y) => x - y);
    const p99 = percentile(latencies, 99);
    return [
      { group: 'cluster', name: 'e2e revocation p50 (B admin socket -> SSE closed on A)', value: percentile(latencies, 50), unit: 'ms', target: '< 1000 ms (aim 200)', meets: percentile(latencies, 50) < 1000 },
      { group: 'cluster', name: `e2e revocation p99 (${rounds} rounds)`, value: p99, unit: 'ms', target: '< 1000 ms (aim 200)', meets: p99 < 1000 },
      { group: 'cluster', name: 'e2e DPoP-authenticated req/s, 2 instances on PostgreSQL', value: Math.round(ok / 5), unit: '/s', baseline: 'one instance, SQLite: see the gateway rows', target: '>= 3,000 /s (one instance, DESIGN.md)', meets: ok / 5 >= 3000 },
      { group: 'cluster', name: 'e2e authenticated request p99 (32 in flight)', value: percentile(times, 99), unit: 'ms', target: '< 5 ms (one instance, DESIGN.md)', meets: percentile(times, 99) < 5 },
    ];
  } finally {
    for (const d of devices) await d.close().catch(() => undefined);
    for (const g of gateways) await g.stop({ keepData: true }).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  }
}

export default async function (log: (line: string) => void): Promise<BenchRow[]> {
  const server = await startThrowawayPostgres();
  try {
    return [...(await core(server, log)), ...(await endToEnd(server, log))];
  } finally {
    await server.down();
  }
}
