/**
 * Issue 19: the secure hop against a plain TLS proxy, in one run, against one local upstream
 * streaming 20 chunks (or answering JSON): direct, Debian's nginx (TLS reverse proxy, one worker)
 * and Airlock (DPoP on every call with a fresh proof signed before the clock starts, pinned TLS),
 * one gateway process and, when the gateway runs several (`serve --workers 2`), two; and one
 * process with leak tracing off (AIRLOCK_LEAK_TRACING=off), to show what fingerprinting costs;
 * and "node https" and "fastify https" (bench/load/node-floor.mjs: node:https, or fastify on it,
 * and undici relaying, nothing checked), what the platform and the framework alone cost a call.
 *  - sequential: calls one after another, the targets interleaved so machine noise falls on all
 *    alike; p50 and p99 of the whole call (and time to first byte when streamed);
 *  - throughput: 20 connections kept busy for CALLS_20 calls; calls a second, and the server's CPU
 *    per call (nginx: master and worker; Airlock: every process and thread). The client is Debian's
 *    wrk (one thread, a pre-signed DPoP proof per request read from a file written before the
 *    clock starts) and the upstream an nginx answering a recorded 20-chunk stream from a file
 *    (bench/load/): a Node client and upstream on the same 2 cores ate most of them. wrk verifies
 *    no certificate, so TLS targets are reached through a local nginx hop that verifies the
 *    target's CA and name; it cannot pin the key (the sequential runs, a pinned undici client,
 *    do). The same client, hop and upstream serve every target.
 * The load average is printed at the start and the end: figures from a loaded machine are slow.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { Pool } from 'undici';
import type { BenchRow } from '../run.js';
import { percentile, processTreeCpuMs, threadCpuByRoleMs } from '../stats.js';
import { startOpenAiServer } from '../../test/helpers/openai-server.js';
import { startGateway, type TestGateway } from '../../test/helpers/gateway.js';
import { createTestDevice, pinnedServerIdentity, type TestDevice } from '../../test/helpers/pinned-client.js';
import { initDataDir } from '../../gateway/init/init.js';
import { createGatewayCertificates } from '../../gateway/tls/certificates.js';
import { freePort } from '../../test/helpers/free-port.js';
import { startNginx } from './20-proxy.js';
import { runWrk } from '../load/wrk.js';
import { FIXED_PATHS, startFixedUpstream, startTlsClientHop, type TlsClientHop } from '../load/roles.js';

const SEQUENTIAL = 400;
const WARMUP = 40;
const CONNECTIONS = 20;
// AIRLOCK_BENCH_CALLS_20: more calls per 20-connection run (a steadier figure, or a profiler's window); the proofs must be used within their 60 s.
const CALLS_20 = Number(process.env.AIRLOCK_BENCH_CALLS_20 ?? 3000);
// AIRLOCK_BENCH_ROUNDS: 20-connection runs per target, taken in turns (on a machine whose speed
// drifts over a minute, one run each can favour whichever target ran in a fast stretch).
const ROUNDS = Math.max(1, Number(process.env.AIRLOCK_BENCH_ROUNDS ?? 1));
/**
 * Calls before each measured throughput run: the hop's TLS connections open, the JIT warms. After
 * 500 (and the sequential calls) V8 was still compiling 40 to 65 functions a second with TurboFan
 * through the measured run (`--log-code`), 250 µs of its compiler threads' CPU per call: a
 * gateway's first minute, not its steady state. AIRLOCK_BENCH_WARM_CALLS overrides.
 */
const WARM_20 = Number(process.env.AIRLOCK_BENCH_WARM_CALLS ?? 3000);
const STREAM_BODY = JSON.stringify({ model: 'test-chat', stream: true, messages: [{ role: 'user', content: 'bench' }] });
const JSON_BODY = JSON.stringify({ model: 'test-chat', messages: [{ role: 'user', content: 'bench' }] });

type Mode = 'streamed' | 'json';

interface Target {
  name: string;
  /** Up to CONNECTIONS keep-alive connections (an undici Client would be only one). */
  client: Pool;
  /** Headers for the next call (a fresh DPoP proof for Airlock). */
  headers: () => Record<string, string>;
  /** Signs `n` proofs ahead, before the clock starts (no-op for the others). */
  prepare: (n: number) => Promise<void>;
  /** The processes whose CPU is the server's. */
  pids: number[];
  /** Throughput runs: the path and body for the fixed upstream's answers, per mode. */
  fixed: Record<Mode, { path: string; body: string }>;
  /** `DPoP <token>` for Airlock, '' for the others. */
  authorization: string;
  /** `n` fresh proofs for the throughput path, signed now (empty for targets without DPoP). */
  sign: (n: number) => Promise<string[]>;
  /** Where a TLS target listens, for the client hop (undefined: plain HTTP, wrk connects directly). */
  tls?: { port: number; ca: string; serverName: string };
  /** Plain HTTP base URL wrk connects to (set once the hop runs). */
  wrkUrl?: string;
  /** Where the gateway's threads announce their roles (AIRLOCK_THREAD_ROLES), for the per-thread CPU. */
  rolesDir?: string;
}

/** One call; time to the first body bytes and to the end, in ms. */
async function call(target: Target, mode: Mode): Promise<{ ttfb: number; total: number }> {
  const started = performance.now();
  const response = await target.client.request({
    path: '/v1/chat/completions',
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers() },
    body: mode === 'streamed' ? STREAM_BODY : JSON_BODY,
  });
  if (response.statusCode !== 200) throw new Error(`${target.name}: ${await refusal(response)}`);
  let ttfb = 0;
  let bytes = 0;
  for await (const chunk of response.body) {
    if (ttfb === 0) ttfb = performance.now() - started;
    bytes += (chunk as Buffer).length;
  }
  const total = performance.now() - started;
  if (response.statusCode !== 200 || bytes === 0) throw new Error(`${target.name}: status ${response.statusCode}`);
  return { ttfb, total };
}

/** Reads a refused call's body for the error message. */
async function refusal(response: { statusCode: number; body: AsyncIterable<unknown> }): Promise<string> {
  let text = '';
  for await (const chunk of response.body) text += String(chunk);
  return `status ${response.statusCode}: ${text.slice(0, 300)}`;
}

async function airlockTarget(name: string, gw: TestGateway, device: TestDevice, rolesDir: string): Promise<Target> {
  let proofs: string[] = [];
  const client = new Pool(gw.url, { connect: { ca: gw.caPem, checkServerIdentity: pinnedServerIdentity([gw.pin]) }, pipelining: 1, connections: CONNECTIONS });
  return {
    name,
    client,
    headers: () => {
      const dpop = proofs.pop();
      if (!dpop) throw new Error('out of signed proofs');
      return { authorization: `DPoP ${device.accessToken!}`, dpop };
    },
    // Proofs live 60 s (iat window): signed just before each phase.
    prepare: async (n) => {
      // A current nonce first (the bench outlasts one), then the proofs.
      const fresh = await device.fetch('GET', '/v1/models');
      if (fresh.status !== 200) throw new Error(`${name}: GET /v1/models answered ${fresh.status}`);
      proofs = await Promise.all(Array.from({ length: n }, () => device.proof('POST', '/v1/chat/completions', { accessToken: device.accessToken! })));
    },
    pids: [gw.process.pid!],
    fixed: {
      streamed: { path: '/v1/chat/completions', body: FIXED_STREAM_BODY },
      json: { path: '/v1/chat/completions', body: FIXED_JSON_BODY },
    },
    authorization: `DPoP ${device.accessToken!}`,
    sign: async (n) => {
      const fresh = await device.fetch('GET', '/v1/models');
      if (fresh.status !== 200) throw new Error(`${name}: GET /v1/models answered ${fresh.status}`);
      const out: string[] = [];
      for (let i = 0; i < n; i++) out.push(await device.proof('POST', '/v1/chat/completions', { accessToken: device.accessToken! }));
      return out;
    },
    // nginx checks a name, not an address: every gateway certificate names localhost.
    tls: { port: Number(new URL(gw.url).port), ca: gw.caPem, serverName: 'localhost' },
    rolesDir,
  };
}

/** The same bodies naming the models the gateways route to the fixed upstream. */
const FIXED_STREAM_BODY = STREAM_BODY.replace('"test-chat"', '"fixed-stream"');
const FIXED_JSON_BODY = JSON_BODY.replace('"test-chat"', '"fixed-json"');
/** The direct and nginx targets reach the fixed upstream by its paths. */
const FIXED_DIRECT: Record<Mode, { path: string; body: string }> = {
  streamed: { path: `${FIXED_PATHS.streamed}/chat/completions`, body: STREAM_BODY },
  json: { path: `${FIXED_PATHS.json}/chat/completions`, body: JSON_BODY },
};

async function benchGateway(upstreamUrl: string, fixedUrl: string, root: string, name: string, args: string[], env: Record<string, string>, nodeArgs: string[] = [], bin?: string): Promise<TestGateway> {
  const dataDir = join(root, name);
  await initDataDir(dataDir);
  await writeFile(join(dataDir, 'upstreams.json'), JSON.stringify({
    upstreams: [
      { kind: 'openai', name: 'bench', baseUrl: upstreamUrl, models: [{ id: 'test-chat' }] },
      { kind: 'openai', name: 'fixed-stream', baseUrl: `${fixedUrl}${FIXED_PATHS.streamed}`, models: [{ id: 'fixed-stream', upstreamId: 'test-chat' }] },
      { kind: 'openai', name: 'fixed-json', baseUrl: `${fixedUrl}${FIXED_PATHS.json}`, models: [{ id: 'fixed-json', upstreamId: 'test-chat' }] },
    ],
  }));
  return startGateway({
    dataDir,
    args,
    env,
    nodeArgs,
    ...(bin === undefined ? {} : { bin }),
    startTimeoutMs: 120_000,
    policy: { limits: { requestsPerMinute: 10_000_000, tokensPerDay: 2_000_000_000, streamsPerDevice: 1_000, eventChannelsPerDevice: 1_000 } },
  });
}

/** What a good answer ends with before its trailing blank lines, per mode (the stream's last event; the JSON's closing brace). */
const ENDINGS: Record<Mode, string> = { streamed: 'data: [DONE]', json: '}' };

/**
 * `n` calls by wrk over CONNECTIONS connections after WARM_20 unmeasured ones; calls a second and
 * server CPU per call. The proofs (they live 60 s, the iat window) are signed before either run.
 */
async function throughput(target: Target, mode: Mode, n: number, planFile: string): Promise<{ perSecond: number; cpuMsPerCall: number; byThreadUsPerCall?: Map<string, { us: number; sysUs: number; threads: number }> }> {
  const proofs = await target.sign(WARM_20 + n + 2 * CONNECTIONS);
  const plan = { url: target.wrkUrl!, ...target.fixed[mode], authorization: target.authorization, ending: ENDINGS[mode], connections: CONNECTIONS };
  await runWrk({ ...plan, answers: WARM_20, proofs: proofs.slice(0, WARM_20 + CONNECTIONS) }, planFile);
  const byRole = (): Map<string, { ms: number; sysMs: number; threads: number }> => (target.rolesDir ? threadCpuByRoleMs(target.pids[0]!, target.rolesDir) : new Map());
  const cpu0 = target.pids.reduce((sum, pid) => sum + processTreeCpuMs(pid), 0);
  const roles0 = byRole();
  const result = await runWrk({ ...plan, answers: n, proofs: proofs.slice(WARM_20 + CONNECTIONS) }, planFile);
  const cpu = target.pids.reduce((sum, pid) => sum + processTreeCpuMs(pid), 0) - cpu0;
  const roles1 = byRole();
  // Threads that ended during the run take their CPU with them: the roles' sum can fall short of `cpu`.
  const byThreadUsPerCall = target.rolesDir ? new Map([...roles1].map(([role, { ms, sysMs, threads }]) => [role, { us: ((ms - (roles0.get(role)?.ms ?? 0)) * 1000) / result.answers, sysUs: ((sysMs - (roles0.get(role)?.sysMs ?? 0)) * 1000) / result.answers, threads }])) : undefined;
  return { perSecond: result.answers / (result.durationUs / 1e6), cpuMsPerCall: cpu / result.answers, ...(byThreadUsPerCall ? { byThreadUsPerCall } : {}) };
}

/** The recorded answers of the Node upstream, for the fixed upstream to send. */
async function recordAnswers(upstreamUrl: string): Promise<{ streamed: string; json: string }> {
  const answer = async (body: string): Promise<string> => {
    const response = await fetch(`${upstreamUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    if (response.status !== 200) throw new Error(`the Node upstream answered ${response.status}`);
    return response.text();
  };
  return { streamed: await answer(STREAM_BODY), json: await answer(JSON_BODY) };
}

/**
 * The floor targets (bench/load/node-floor.mjs): node:https, or fastify on it, and undici relaying
 * each call with nothing else, routed as the nginx target is. Their CPU per call is what the
 * platform and the framework cost before anything Airlock adds. AIRLOCK_BENCH_NODE_FLOOR=0 leaves
 * them out.
 */
async function startNodeFloor(kind: 'node' | 'fastify', root: string, modelUrl: string, fixedUrl: string): Promise<{ port: number; pid: number; ca: string; stop: () => Promise<void> }> {
  const certs = await createGatewayCertificates([]);
  const cert = join(root, `${kind}-floor.pem`);
  const key = join(root, `${kind}-floor.key`);
  await writeFile(cert, `${certs.serverCertPem.trim()}\n${certs.caCertPem.trim()}\n`, { mode: 0o600 });
  await writeFile(key, certs.serverKeyPem, { mode: 0o600 });
  const port = await freePort();
  const script = new URL('../load/node-floor.mjs', import.meta.url).pathname;
  const child = spawn(process.execPath, [script, kind, String(port), modelUrl, fixedUrl, cert, key], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await Promise.race([once(child.stdout!, 'data'), once(child, 'exit').then(() => [Buffer.from('exited')])])) as [Buffer];
  if (line.toString().trim() !== 'ready') throw new Error(`the ${kind} https target did not start`);
  return {
    port,
    pid: child.pid!,
    ca: certs.caCertPem,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** AIRLOCK_BENCH_CPU_PROF=<dir>: the first gateway runs under `node --cpu-prof` (its profile, mostly of the 20-connection runs, lands there at its stop). */
function profileArgs(name: string): string[] {
  const dir = process.env.AIRLOCK_BENCH_CPU_PROF;
  return dir && name === 'airlock' ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

function loadAverage(): string {
  return loadavg().map((l) => l.toFixed(2)).join(' / ');
}

export default async function speedBench(log: (line: string) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const loadAtStart = loadAverage();
  log(`load average at start (1 / 5 / 15 min): ${loadAtStart}`);
  const root = await mkdtemp(join(tmpdir(), 'airlock-bench-speed-'));
  const upstream = await startOpenAiServer({ chunks: 20 });
  const upstreamPort = Number(new URL(upstream.url).port);
  const cleanup: Array<() => Promise<unknown>> = [() => rm(root, { recursive: true, force: true }), () => upstream.close()];
  try {
    const fixed = await startFixedUpstream(await recordAnswers(upstream.url));
    cleanup.unshift(() => fixed.stop());
    const nginx = await startNginx(upstreamPort, Number(new URL(fixed.url).port));
    cleanup.unshift(() => nginx.stop());
    const plain = { headers: () => ({}), prepare: async () => undefined, fixed: FIXED_DIRECT, authorization: '', sign: async () => [] };
    const targets: Target[] = [
      { name: 'direct', client: new Pool(upstream.url, { pipelining: 1, connections: CONNECTIONS }), pids: [], ...plain, wrkUrl: fixed.url },
      { name: 'nginx', client: new Pool(`https://127.0.0.1:${nginx.port}`, { connect: { ca: nginx.ca, servername: 'localhost' }, pipelining: 1, connections: CONNECTIONS }), pids: [nginx.pid], ...plain, tls: { port: nginx.port, ca: nginx.ca, serverName: 'localhost' } },
    ];
    for (const kind of process.env.AIRLOCK_BENCH_NODE_FLOOR === '0' ? [] : (['node', 'fastify'] as const)) {
      const floor = await startNodeFloor(kind, root, upstream.url, fixed.url);
      cleanup.unshift(() => floor.stop());
      targets.push({ name: `${kind} https`, client: new Pool(`https://127.0.0.1:${floor.port}`, { connect: { ca: floor.ca, servername: 'localhost' }, pipelining: 1, connections: CONNECTIONS }), pids: [floor.pid], ...plain, tls: { port: floor.port, ca: floor.ca, serverName: 'localhost' } });
    }
    const gateways: Array<{ name: string; args: string[]; env: Record<string, string>; nodeArgs?: string[]; bin?: string }> = [{ name: 'airlock', args: [], env: {} }];
    // Other checkouts' gateways beside this one, in one run (AIRLOCK_BENCH_BASELINE=<checkout>[,<checkout>...],
    // each with its dist built and its node_modules in place): what a change did, without the load moving between runs.
    for (const baseline of (process.env.AIRLOCK_BENCH_BASELINE ?? '').split(',').filter((b) => b !== '')) {
      gateways.push({ name: `airlock, baseline ${basename(resolve(baseline))}`, args: [], env: {}, bin: join(resolve(baseline), 'bin', 'airlock-gateway.mjs') });
    }
    if (process.env.AIRLOCK_BENCH_WORKERS !== '0') gateways.push({ name: 'airlock x2', args: ['--workers', '2'], env: {} });
    // The hop without leak tracing's fingerprinting of every answer (AIRLOCK_LEAK_TRACING=off): what tracing costs a call.
    if (process.env.AIRLOCK_BENCH_TRACING_OFF !== '0') gateways.push({ name: 'airlock, tracing off', args: [], env: { AIRLOCK_LEAK_TRACING: 'off' } });
    // The bench's gateways log at warn (the test helper's level); the default, info, adds one line per request (opt in: AIRLOCK_BENCH_LOG_INFO=1).
    if (process.env.AIRLOCK_BENCH_LOG_INFO === '1') gateways.push({ name: 'airlock, log info', args: ['--log-level', 'info'], env: {} });
    // The same gateway with node flags of one's choice beside the plain one, in one run (AIRLOCK_BENCH_NODE_FLAGS="--flag ..."): a flag's effect without the load moving between runs.
    const flags = process.env.AIRLOCK_BENCH_NODE_FLAGS?.split(/\s+/).filter((f) => f !== '') ?? [];
    if (flags.length > 0) gateways.push({ name: `airlock, node ${flags.join(' ')}`, args: [], env: {}, nodeArgs: flags });
    for (const g of gateways) {
      const rolesDir = join(root, `${g.name.replace(/\W+/g, '-')}-threads`);
      await mkdir(rolesDir);
      const gw = await benchGateway(upstream.baseUrl, fixed.url, root, g.name.replace(/\W+/g, '-'), g.args, { ...g.env, AIRLOCK_THREAD_ROLES: rolesDir }, [...profileArgs(g.name), ...(g.nodeArgs ?? [])], g.bin);
      cleanup.unshift(() => gw.stop({ keepData: true }));
      const device = await createTestDevice(gw.client());
      await device.enroll(await gw.invite(`${g.name.replace(/\W+/g, '-')}@example.com`));
      await device.session();
      await device.fetch('GET', '/v1/models');
      targets.push(await airlockTarget(g.name, gw, device, rolesDir));
    }
    cleanup.unshift(() => Promise.all(targets.map((t) => t.client.close())));
    const hop: TlsClientHop = await startTlsClientHop(targets.flatMap((t) => (t.tls ? [{ name: t.name, ...t.tls }] : [])), CONNECTIONS);
    cleanup.unshift(() => hop.stop());
    for (const t of targets) if (t.tls) t.wrkUrl = hop.urls.get(t.name)!;
    log(`throughput client: wrk (1 thread, ${CONNECTIONS} connections, a pre-signed proof per call) through an nginx TLS hop that verifies each target's CA and name (no pinning: wrk cannot); upstream: nginx sending a recorded ${20}-chunk stream in one piece`);
    const planFile = join(root, 'wrk-plan.txt');

    for (const mode of ['streamed', 'json'] as const) {
      // Throughput with 20 connections, one target at a time; with ROUNDS > 1, the targets take
      // turns round after round and each is reported by its median round (the rounds beside it).
      const rounds = new Map<string, Array<Awaited<ReturnType<typeof throughput>>>>(targets.map((t) => [t.name, []]));
      for (let round = 0; round < ROUNDS; round++) for (const t of targets) rounds.get(t.name)!.push(await throughput(t, mode, CALLS_20, planFile));
      for (const t of targets) {
        const all = rounds.get(t.name)!;
        const r = [...all].sort((a, b) => a.perSecond - b.perSecond)[Math.floor((all.length - 1) / 2)]!;
        const isAirlock = t.name.startsWith('airlock');
        const each = all.length > 1 ? ` (median of ${all.length} rounds: ${all.map((x) => x.perSecond.toFixed(0)).join(', ')})` : '';
        rows.push({
          group: `speed ${mode}`,
          name: `${t.name}: ${CONNECTIONS} connections, ${CALLS_20} calls (wrk${t.tls ? ' via a CA-checking TLS hop, no pin' : ''}; fixed nginx upstream)${each}`,
          value: r.perSecond,
          unit: t.pids.length ? `calls/s, server CPU ${(r.cpuMsPerCall * 1000).toFixed(0)} µs/call` : 'calls/s',
          ...(isAirlock && mode === 'streamed' ? { target: '≥ 3,500 calls/s', meets: r.perSecond >= 3500 } : {}),
        });
        if (r.byThreadUsPerCall) {
          const order = ['main', 'libuv pool', 'tracing worker', 'other threads'];
          const parts = [...r.byThreadUsPerCall].sort(([a], [b]) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
          rows.push({
            group: `speed ${mode}`,
            name: `${t.name}: ${CONNECTIONS} connections, server CPU per call by thread, (of which in the kernel) (event loop: main; fsync, file and crypto jobs: libuv pool; V8's GC and compiler: other)`,
            value: r.byThreadUsPerCall.get('main')?.us ?? 0,
            unit: `µs main (${(r.byThreadUsPerCall.get('main')?.sysUs ?? 0).toFixed(0)}), ${parts.filter(([role]) => role !== 'main').map(([role, { us, sysUs, threads }]) => `${us.toFixed(0)} µs ${role} (${sysUs.toFixed(0)}; ${threads} thread${threads === 1 ? '' : 's'})`).join(', ')}`,
          });
        }
      }
      // Sequential, interleaved, after the throughput runs: each gateway has served 6,000 calls of
      // this mode by then, so its JIT is warm (the first 40 calls of a fresh gateway ran in V8's
      // interpreter and baseline tiers, and the sequential figures measured that).
      const timings = new Map<string, Array<{ ttfb: number; total: number }>>(targets.map((t) => [t.name, []]));
      for (let i = 0; i < WARMUP + SEQUENTIAL; i++) {
        if (i % 100 === 0) for (const t of targets) await t.prepare(100);
        for (const t of targets) {
          const timing = await call(t, mode);
          if (i >= WARMUP) timings.get(t.name)!.push(timing);
        }
      }
      const p = (name: string, key: 'ttfb' | 'total', q: number) => percentile(timings.get(name)!.map((t) => t[key]), q);
      for (const t of targets) {
        const added = t.name === 'direct' ? '' : `, added p50 ${(p(t.name, 'total', 50) - p('direct', 'total', 50)).toFixed(3)} ms / p99 ${(p(t.name, 'total', 99) - p('direct', 'total', 99)).toFixed(3)} ms`;
        const target = t.name.startsWith('airlock') ? (mode === 'streamed' ? 'added p50 ≤ 0.4 ms, p99 ≤ 2 ms' : 'added p50 ≤ 0.3 ms') : undefined;
        const addedP50 = p(t.name, 'total', 50) - p('direct', 'total', 50);
        const addedP99 = p(t.name, 'total', 99) - p('direct', 'total', 99);
        const meets = target === undefined ? undefined : mode === 'streamed' ? addedP50 <= 0.4 && addedP99 <= 2 : addedP50 <= 0.3;
        rows.push({
          group: `speed ${mode}`,
          name: `${t.name}: sequential total p50 / p99${mode === 'streamed' ? ` (first byte p50 ${p(t.name, 'ttfb', 50).toFixed(3)} ms)` : ''}`,
          value: p(t.name, 'total', 50),
          unit: `ms / ${p(t.name, 'total', 99).toFixed(3)} ms${added}`,
          ...(target ? { target, meets: meets! } : {}),
        });
      }
      log(`${mode}: ${SEQUENTIAL} sequential calls per target after ${WARMUP} warm-up`);
    }
  } finally {
    for (const step of cleanup) await step().catch(() => undefined);
  }
  const loadAtEnd = loadAverage();
  log(`load average at end: ${loadAtEnd}`);
  rows.push({ group: 'speed', name: 'load average (1 / 5 / 15 min) at start; at end', value: Number(loadAtStart.split(' / ')[0]), unit: `(${loadAtStart}); ${loadAtEnd}` });
  return rows;
}

