/**
 * Issue 4, item 5: the model proxy measured side by side in one run, against one local upstream
 * streaming 20 chunks: direct, through Debian's nginx as a TLS reverse proxy (the floor
 * reference), and through the gateway (DPoP on every call, pinned TLS). Then revocation latency
 * (admin command sent → stream cut seen by the client) with 1,000 other event channels open, and
 * how many event channels one gateway holds and what each costs in memory.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'undici';
import type { BenchRow } from '../run.js';
import { freePort } from '../../test/helpers/free-port.js';
import { percentile, processCpuMs } from '../stats.js';
import { readFile } from 'node:fs/promises';
import { startOpenAiServer, type OpenAiTestServer } from '../../test/helpers/openai-server.js';
import { startGateway, type TestGateway } from '../../test/helpers/gateway.js';
import { createTestDevice, pinnedServerIdentity, type GatewayClient, type TestDevice } from '../../test/helpers/pinned-client.js';
import { openStream, type OpenStream } from '../../test/integration/model/streaming-device.js';
import { startNginxWith } from '../load/nginx.js';
import { initDataDir } from '../../gateway/init/init.js';

// p99 is the 10th-worst of 1,000 calls per path (it was the 4th-worst of 400: one GC pause or
// scheduler hiccup on this shared 2-core machine moved it by milliseconds).
const CALLS = 1000;
const WARMUP = 50;
/** Gateway-only streamed calls, one after another, to read the gateway's CPU per call. */
const CPU_CALLS = 200;
const BODY = JSON.stringify({ model: 'test-chat', stream: true, messages: [{ role: 'user', content: 'bench' }] });

export interface Timing {
  ttft: number;
  total: number;
}

/** One streamed call: time to the first body bytes and to the end, in ms. */
export async function timedStream(client: Client, path: string, headers: Record<string, string>): Promise<Timing> {
  const started = performance.now();
  const response = await client.request({ path, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: BODY });
  let ttft = 0;
  let bytes = 0;
  for await (const chunk of response.body) {
    if (ttft === 0) ttft = performance.now() - started;
    bytes += (chunk as Buffer).length;
  }
  const total = performance.now() - started;
  if (response.statusCode !== 200 || bytes === 0) throw new Error(`${path}: status ${response.statusCode}`);
  return { ttft, total };
}

export interface Nginx {
  port: number;
  /** The master's pid (its worker is its child). */
  pid: number;
  ca: string;
  stop(): Promise<void>;
}

/**
 * Debian's nginx on loopback, TLS with its own throwaway CA, proxying to the upstream without
 * buffering (and `/fixed/...` to `fixedPort`, the throughput runs' fixed upstream, when given).
 */
export async function startNginx(upstreamPort: number, fixedPort?: number): Promise<Nginx> {
  const proxy = `
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;`;
  const port = await freePort();
  const nginx = await startNginxWith({
    ports: [port],
    httpBody: (files) => `
  upstream model { server 127.0.0.1:${upstreamPort}; keepalive 16; }
  ${fixedPort === undefined ? '' : `upstream fixed { server 127.0.0.1:${fixedPort}; keepalive 64; keepalive_requests 10000000; }`}
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${files.certificate};
    ssl_certificate_key ${files.key};
    ssl_protocols TLSv1.2 TLSv1.3;
    keepalive_requests 100000;
    location / {
      proxy_pass http://model;${proxy}
    }
    ${fixedPort === undefined ? '' : `location /fixed/ {
      proxy_pass http://fixed;${proxy}
    }`}
  }`,
  });
  return { port, pid: nginx.pid, ca: nginx.ca, stop: nginx.stop };
}

function summarize(name: string, timings: Timing[]) {
  const ttft = timings.map((t) => t.ttft);
  const total = timings.map((t) => t.total);
  return { name, ttft50: percentile(ttft, 50), ttft99: percentile(ttft, 99), total50: percentile(total, 50), total99: percentile(total, 99) };
}

const REVOCATIONS = 110;
const OTHER_CHANNELS = 1_000;
const CHANNEL_TARGET = 5_000;

/** A gateway process in front of the bench's upstream, with its own data directory. */
async function benchGateway(upstream: OpenAiTestServer, root: string): Promise<TestGateway> {
  const dataDir = join(root, 'data');
  await initDataDir(dataDir);
  await writeFile(join(dataDir, 'upstreams.json'), JSON.stringify({ upstreams: [{ kind: 'openai', name: 'bench', baseUrl: upstream.baseUrl, models: [{ id: 'test-chat' }, { id: 'test-long' }] }] }));
  return startGateway({
    dataDir,
    // Limits out of the way: this measures the path, not the limiter's refusals.
    // Ten devices hold the 5,000 channels, so the per-device channel cap is raised with the others.
    policy: { limits: { requestsPerMinute: 10_000_000, tokensPerDay: 2_000_000_000, streamsPerDevice: 1_000, eventChannelsPerDevice: 1_000 } },
    // 5,000 channels from one address: far beyond the per-address connection cap a lab needs.
    env: { AIRLOCK_EVENTS_HEARTBEAT_MS: '15000', AIRLOCK_MAX_CONNECTIONS_PER_ADDRESS: '20000', AIRLOCK_MAX_CONNECTIONS: '20000' },
  });
}

async function enrolledDevice(gw: TestGateway, client: GatewayClient, email: string): Promise<TestDevice> {
  const device = await createTestDevice(client);
  await device.enroll(await gw.invite(email));
  await device.session();
  return device;
}

async function rssKb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
}

async function openChannels(device: TestDevice, n: number, into: OpenStream[]): Promise<void> {
  const batch = 50;
  for (let i = 0; i < n; i += batch) {
    const opened = await Promise.all(Array.from({ length: Math.min(batch, n - i) }, () => openStream(device, 'GET', '/v1/events')));
    for (const channel of opened) {
      if (channel.status !== 200 || (await channel.next())?.event !== 'heartbeat') throw new Error(`event channel refused (${channel.status}): ${await channel.text()}`);
      into.push(channel);
    }
  }
}

export default async function proxyBench(log: (line: string) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const root = await mkdtemp(join(tmpdir(), 'airlock-bench-proxy-'));
  const upstream = await startOpenAiServer({ chunks: 20, slowMs: 20 });
  const upstreamPort = Number(new URL(upstream.url).port);
  const cleanup: Array<() => Promise<unknown>> = [() => rm(root, { recursive: true, force: true }), () => upstream.close()];
  try {
    const nginx = await startNginx(upstreamPort);
    cleanup.unshift(() => nginx.stop());
    const gw = await benchGateway(upstream, root);
    cleanup.unshift(() => gw.stop({ keepData: true }));
    const gwClient = gw.client({ connections: CHANNEL_TARGET + REVOCATIONS + 64 });
    const caller = await enrolledDevice(gw, gwClient, 'bench-caller@example.com');

    const direct = new Client(upstream.url, { pipelining: 1 });
    const viaNginx = new Client(`https://127.0.0.1:${nginx.port}`, { connect: { ca: nginx.ca, servername: 'localhost' }, pipelining: 1 });
    const viaGateway = new Client(gw.url, { connect: { ca: gw.caPem, checkServerIdentity: pinnedServerIdentity([gw.pin]) }, pipelining: 1 });
    cleanup.unshift(() => Promise.all([direct.close(), viaNginx.close(), viaGateway.close()]));

    // Proofs are signed before the clock starts: the figure is the gateway's cost, not the client's signing.
    await caller.fetch('GET', '/v1/models');
    // Two gateway chats a round: the second follows the first at once (see `targets`).
    const proofs = await Promise.all(Array.from({ length: 2 * (WARMUP + CALLS) + CPU_CALLS }, () => caller.proof('POST', '/v1/chat/completions', { accessToken: caller.accessToken! })));
    const modelProofs = await Promise.all(Array.from({ length: WARMUP + CALLS }, () => caller.proof('GET', '/v1/models', { accessToken: caller.accessToken! })));
    const auth = { authorization: `DPoP ${caller.accessToken!}` };
    let proofIndex = 0;
    let modelProofIndex = 0;
    const authOnly: number[] = [];
    const timedModels = async (): Promise<void> => {
      const started = performance.now();
      const response = await viaGateway.request({ path: '/v1/models', method: 'GET', headers: { ...auth, dpop: modelProofs[modelProofIndex++]! } });
      await response.body.text();
      if (response.statusCode !== 200) throw new Error(`GET /v1/models: ${response.statusCode}`);
      authOnly.push(performance.now() - started);
    };
    const targets: Array<{ name: string; call: () => Promise<Timing>; timings: Timing[] }> = [
      { name: 'direct', call: () => timedStream(direct, '/v1/chat/completions', {}), timings: [] },
      { name: 'nginx', call: () => timedStream(viaNginx, '/v1/chat/completions', {}), timings: [] },
      { name: 'gateway', call: () => timedStream(viaGateway, '/v1/chat/completions', { ...auth, dpop: proofs[proofIndex++]! }), timings: [] },
      // Right after the previous gateway chat, on the same connection: whatever that call still
      // does once answered (its audit write) delays this one if it holds the event loop.
      { name: 'gateway back-to-back', call: () => timedStream(viaGateway, '/v1/chat/completions', { ...auth, dpop: proofs[proofIndex++]! }), timings: [] },
    ];
    // The auth-only call goes between nginx and the gateway chat: right after a gateway chat it
    // would also carry that call's fsync'd audit write, which the other paths' calls hide.
    const round = async (record: boolean): Promise<void> => {
      for (const t of targets) {
        if (t.name === 'gateway') await timedModels();
        const timing = await t.call();
        if (record) t.timings.push(timing);
      }
    };
    for (let i = 0; i < WARMUP; i++) await round(false);
    authOnly.length = 0;
    // Interleaved, so that machine noise falls on every path alike.
    for (let i = 0; i < CALLS; i++) await round(true);
    const [d, n, g, b] = targets.map((t) => summarize(t.name, t.timings)) as [ReturnType<typeof summarize>, ReturnType<typeof summarize>, ReturnType<typeof summarize>, ReturnType<typeof summarize>];
    for (const s of [d, n, g, b]) {
      rows.push({ group: 'proxy', name: `${s.name}: streamed chat (20 chunks) TTFT p50 / p99`, value: s.ttft50, unit: `ms / ${s.ttft99.toFixed(3)} ms` });
      rows.push({ group: 'proxy', name: `${s.name}: streamed chat (20 chunks) total p50 / p99`, value: s.total50, unit: `ms / ${s.total99.toFixed(3)} ms`, ...(s.name === 'direct' ? { baseline: 'DESIGN.md: 0.31-0.35 ms' } : {}) });
    }
    rows.push({ group: 'proxy', name: 'gateway GET /v1/models p50 / p99 (TLS + DPoP auth, no upstream; for the breakdown)', value: percentile(authOnly, 50), unit: `ms / ${percentile(authOnly, 99).toFixed(3)} ms` });
    rows.push({ group: 'proxy', name: 'nginx added TTFT p50', value: n.ttft50 - d.ttft50, unit: 'ms', baseline: 'DESIGN.md: about 0.10 ms' });
    rows.push({ group: 'proxy', name: 'gateway added TTFT p50', value: g.ttft50 - d.ttft50, unit: 'ms', baseline: `nginx ${(n.ttft50 - d.ttft50).toFixed(3)} ms`, target: '< 0.5 ms', meets: g.ttft50 - d.ttft50 < 0.5 });
    rows.push({ group: 'proxy', name: 'gateway added TTFT p99', value: g.ttft99 - d.ttft99, unit: 'ms', baseline: `nginx ${(n.ttft99 - d.ttft99).toFixed(3)} ms`, target: '< 2 ms', meets: g.ttft99 - d.ttft99 < 2 });
    rows.push({ group: 'proxy', name: 'gateway added total p50', value: g.total50 - d.total50, unit: 'ms', baseline: `nginx ${(n.total50 - d.total50).toFixed(3)} ms; Portkey ~28 ms streamed`, target: '< 0.5 ms', meets: g.total50 - d.total50 < 0.5 });
    rows.push({ group: 'proxy', name: 'gateway added total p99', value: g.total99 - d.total99, unit: 'ms', baseline: `nginx ${(n.total99 - d.total99).toFixed(3)} ms`, target: '< 2 ms', meets: g.total99 - d.total99 < 2 });
    rows.push({ group: 'proxy', name: 'gateway back-to-back added total p50 / p99', value: b.total50 - d.total50, unit: `ms / ${(b.total99 - d.total99).toFixed(3)} ms`, baseline: `not back-to-back ${(g.total50 - d.total50).toFixed(3)} ms` });
    log(`latency: ${CALLS} interleaved calls per path after ${WARMUP} warm-up`);

    // CPU the gateway spends on one streamed call (TLS both ways, DPoP, proxying, its audit entry).
    const cpuStarted = processCpuMs(gw.process.pid!);
    for (let i = 0; i < CPU_CALLS; i++) await timedStream(viaGateway, '/v1/chat/completions', { ...auth, dpop: proofs[proofIndex++]! });
    const cpuPerCall = (processCpuMs(gw.process.pid!) - cpuStarted) / CPU_CALLS;
    rows.push({ group: 'proxy', name: `gateway CPU per streamed call (${CPU_CALLS} in a row; all threads, audit worker included)`, value: cpuPerCall, unit: 'ms' });

    // Revocation: 1,000 event channels of other devices stay open throughout.
    const channels: OpenStream[] = [];
    cleanup.unshift(async () => channels.forEach((c) => c.abort()));
    const holders: TestDevice[] = [];
    for (let i = 0; i < 10; i++) holders.push(await enrolledDevice(gw, gwClient, `bench-holder-${i}@example.com`));
    const rssBefore = await rssKb(gw.process.pid!);
    for (const holder of holders) await openChannels(holder, OTHER_CHANNELS / holders.length, channels);
    log(`${channels.length} other event channels open`);
    upstream.slowMs = 50;
    const victims: TestDevice[] = [];
    for (let i = 0; i < REVOCATIONS; i++) victims.push(await enrolledDevice(gw, gwClient, `bench-victim-${i}@example.com`));
    const cuts: number[] = [];
    for (const victim of victims) {
      const stream = await openStream(victim, 'POST', '/v1/chat/completions', { model: 'test-long', stream: true, messages: [{ role: 'user', content: 'long' }] });
      if (stream.status !== 200 || !(await stream.next())) throw new Error(`victim stream refused: ${stream.status}`);
      const started = performance.now();
      const command = gw.admin({ op: 'device.revoke', id: victim.deviceId!, reason: 'bench' });
      let last = await stream.next();
      while (last && last.event !== 'error') last = await stream.next();
      const seen = performance.now() - started;
      await command;
      if (!last) throw new Error('the stream ended without the revocation error event');
      cuts.push(seen);
    }
    rows.push({ group: 'revocation', name: `command → stream cut seen, p50 (${cuts.length} revocations, ${OTHER_CHANNELS} other channels)`, value: percentile(cuts, 50), unit: 'ms' });
    rows.push({ group: 'revocation', name: 'command → stream cut seen, p99', value: percentile(cuts, 99), unit: 'ms', target: '< 100 ms', meets: percentile(cuts, 99) < 100 });

    // Capacity: keep opening event channels up to the target, then see what each one costs.
    const perHolder = Math.ceil((CHANNEL_TARGET - channels.length) / holders.length);
    for (const holder of holders) await openChannels(holder, Math.min(perHolder, CHANNEL_TARGET - channels.length), channels);
    const rssAfter = await rssKb(gw.process.pid!);
    const health = await caller.fetch('GET', '/v1/models');
    if (health.status !== 200) throw new Error(`gateway unhealthy with ${channels.length} channels: ${health.status}`);
    rows.push({ group: 'events', name: 'event channels open on one gateway (all answered, gateway still serving)', value: channels.length, unit: 'channels', target: '5,000', meets: channels.length >= CHANNEL_TARGET });
    rows.push({ group: 'events', name: 'gateway memory per event channel (RSS, TLS included)', value: ((rssAfter - rssBefore) / channels.length), unit: 'KiB' });
    log(`gateway RSS ${Math.round(rssBefore / 1024)} MiB → ${Math.round(rssAfter / 1024)} MiB with ${channels.length} channels`);
  } finally {
    for (const step of cleanup) await step().catch(() => undefined);
  }
  return rows;
}
