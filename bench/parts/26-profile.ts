/**
 * Issue 19: where a gateway's CPU goes on streamed calls. One gateway (the compiled JavaScript
 * when `npm run bench` built it) runs under `node --cpu-prof`; 3,000 sequential streamed chat
 * calls (fresh DPoP proof each, signed before they start) go through it; at its exit the profile
 * of its main thread is summarised into bench-results/profile-summary.txt: self time by area
 * (which file or library) and the top functions.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from 'undici';
import type { BenchRow } from '../run.js';
import { startOpenAiServer } from '../../test/helpers/openai-server.js';
import { startGateway, type StartGatewayOptions, type TestGateway } from '../../test/helpers/gateway.js';
import { createTestDevice, pinnedServerIdentity, type TestDevice } from '../../test/helpers/pinned-client.js';
import { initDataDir } from '../../gateway/init/init.js';
import { timedStream } from './20-proxy.js';

const CALLS = 3000;
const BATCH = 500;
const OUT = fileURLToPath(new URL('../../bench-results/profile-summary.txt', import.meta.url));

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  /** µs on the monotonic clock (V8's TimeTicks: CLOCK_MONOTONIC on Linux, as process.hrtime). */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Monotonic µs spans in which the calls ran (start-up, enrollment and signing fall outside). */
type Window = [number, number];
const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** Libraries whose time is reported by the repository frame that called into them. */
const ATTRIBUTED = ['zod', 'node:crypto', 'better-sqlite3', 'fastify'];

/** Which part of the system a frame belongs to, from its file. */
function areaOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native / V8 builtins)';
  const repo = /\/(gateway|protocol)\/(.+?)\/?[^/]*\.(?:js|ts)$/.exec(url);
  if (repo && !url.includes('node_modules')) return `${repo[1]}/${repo[2]}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const internal = /^node:(?:internal\/)?([^/]+)/.exec(url);
  if (internal) return `node:${internal[1]}`;
  return url.replace(/^file:\/\//, '').split('/').slice(-2).join('/');
}

function summarize(profile: CpuProfile, calls: number, windows: readonly Window[]): { text: string; busyUsPerCall: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const self = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (windows.some(([from, to]) => at >= from && at <= to)) self.set(id, (self.get(id) ?? 0) + delta);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((a, [, us]) => a + us, 0);
  const busy = total - idle;
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  const callers = new Map<string, number>();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') continue;
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const fn = `${functionName || '(anonymous)'}  ${url ? `${url.replace(/^file:\/\/.*?\/(gateway|protocol|node_modules)\//, '$1/')}:${lineNumber + 1}` : ''}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
    if (ATTRIBUTED.includes(area)) {
      // The nearest frame of the repository's own code above it: who asked for this work.
      let up = parent.get(id);
      while (up !== undefined && !/\/(gateway|protocol)\//.test(byId.get(up)!.callFrame.url)) up = parent.get(up);
      const caller = up === undefined ? '(no repository frame)' : (() => {
        const f = byId.get(up)!.callFrame;
        return `${f.functionName || '(anonymous)'}  ${f.url.replace(/^file:\/\/.*?\/(gateway|protocol)\//, '$1/')}:${f.lineNumber + 1}`;
      })();
      const key = `${area.padEnd(14)} ← ${caller}`;
      callers.set(key, (callers.get(key) ?? 0) + us);
    }
  }
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  const perCall = (us: number) => `${(us / calls).toFixed(1).padStart(7)} µs/call`;
  const lines = [
    `Gateway main thread, ${calls} sequential streamed calls (20 chunks, fresh DPoP proof each), node --cpu-prof.`,
    `Load average at the end (1/5/15 min): ${loadavg().map((l) => l.toFixed(2)).join(' / ')}. Written ${new Date().toISOString()}.`,
    `Busy (not idle) ${(busy / 1000).toFixed(0)} ms while the calls ran: ${(busy / calls).toFixed(1)} µs per call on this thread (start-up, enrollment and the client's signing between batches left out).`,
    'A sample counts the wall time since the previous one, so on a loaded machine time the thread waited for a core lands on the function it resumed in (often a system call: writev, fdatasync): read the shares, not the µs.',
    '',
    'Self time by area (file folder or package):',
    ...[...areas].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([area, us]) => `  ${pct(us)}  ${perCall(us)}  ${area}`),
    '',
    'Top functions by self time:',
    ...[...functions].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([fn, us]) => `  ${pct(us)}  ${perCall(us)}  ${fn}`),
    '',
    `Time in ${ATTRIBUTED.join(', ')}, by the repository function that called into it:`,
    ...[...callers].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([key, us]) => `  ${pct(us)}  ${perCall(us)}  ${key}`),
    '',
  ];
  return { text: lines.join('\n'), busyUsPerCall: busy / calls };
}

/**
 * A gateway on `dataDir` (initialised) in front of the test upstream at `upstreamBaseUrl`, with
 * limits no bench reaches, and one device enrolled with a session: what the sequential benches
 * (26-profile, 27-timing) start from.
 */
export async function startBenchGateway(dataDir: string, upstreamBaseUrl: string, email: string, options: Pick<StartGatewayOptions, 'nodeArgs' | 'env'>): Promise<{ gw: TestGateway; device: TestDevice }> {
  await writeFile(join(dataDir, 'upstreams.json'), JSON.stringify({ upstreams: [{ kind: 'openai', name: 'bench', baseUrl: upstreamBaseUrl, models: [{ id: 'test-chat' }] }] }));
  const gw = await startGateway({
    dataDir,
    ...options,
    startTimeoutMs: 120_000,
    policy: { limits: { requestsPerMinute: 10_000_000, tokensPerDay: 2_000_000_000, streamsPerDevice: 1_000, eventChannelsPerDevice: 1_000 } },
  });
  try {
    const device = await createTestDevice(gw.client());
    await device.enroll(await gw.invite(email));
    await device.session();
    return { gw, device };
  } catch (error) {
    await gw.stop();
    throw error;
  }
}

export default async function profileBench(log: (line: string) => void): Promise<BenchRow[]> {
  const root = await mkdtemp(join(tmpdir(), 'airlock-bench-profile-'));
  const profiles = join(root, 'profiles');
  await mkdir(profiles);
  const upstream = await startOpenAiServer({ chunks: 20 });
  const windows: Window[] = [];
  try {
    const dataDir = join(root, 'data');
    await initDataDir(dataDir);
    const { gw, device } = await startBenchGateway(dataDir, upstream.baseUrl, 'profile@example.com', { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profiles}`] });
    try {
      for (let done = 0; done < CALLS; done += BATCH) {
        let from = 0;
        await device.fetch('GET', '/v1/models');
        const proofs = await Promise.all(Array.from({ length: BATCH }, () => device.proof('POST', '/v1/chat/completions', { accessToken: device.accessToken! })));
        // A connection per batch: signing on a loaded machine can outlast the server's keep-alive.
        const client = new Client(gw.url, { connect: { ca: gw.caPem, checkServerIdentity: pinnedServerIdentity([gw.pin]) }, pipelining: 1 });
        try {
          from = monotonicUs();
          for (const dpop of proofs) await timedStream(client, '/v1/chat/completions', { authorization: `DPoP ${device.accessToken!}`, dpop });
        } finally {
          windows.push([from, monotonicUs()]);
          await client.close();
        }
      }
    } finally {
      // SIGTERM: the gateway closes and exits normally, and node writes the profile.
      await gw.stop({ keepData: true });
    }
    const files = (await readdir(profiles)).filter((f) => f.endsWith('.cpuprofile'));
    if (files.length === 0) throw new Error('the gateway wrote no CPU profile');
    // One file per thread (leak tracing has a worker of its own): the main thread's is the one that ran the chat handler.
    const parsed = await Promise.all(files.map(async (f) => JSON.parse(await readFile(join(profiles, f), 'utf8')) as CpuProfile));
    const main = parsed.find((p) => p.nodes.some((n) => n.callFrame.url.includes('/model/chat-call.')));
    if (!main) throw new Error(`none of the ${files.length} CPU profiles is the gateway's main thread`);
    const summary = summarize(main, CALLS, windows);
    // The other threads (leak tracing's worker, libuv's pool does not appear): their own summaries, shorter.
    const others = parsed.filter((p) => p !== main).map((p) => summarize(p, CALLS, windows).text.split('\n'));
    const otherText = others.map((lines) => ['Another thread of the gateway (its own profile):', ...lines.slice(2, 3), ...lines.filter((l) => /µs\/call/.test(l)).slice(0, 12), ''].join('\n')).join('\n');
    await mkdir(join(OUT, '..'), { recursive: true });
    await writeFile(OUT, `${summary.text}\n${otherText}`);
    log(`profile summary written to bench-results/profile-summary.txt:\n${summary.text.split('\n').slice(0, 16).join('\n')}`);
    return [{ group: 'profile', name: `gateway main thread CPU per streamed call, profiled (${CALLS} calls; top entries in bench-results/profile-summary.txt)`, value: summary.busyUsPerCall, unit: 'µs' }];
  } finally {
    await upstream.close();
    await rm(root, { recursive: true, force: true });
  }
}
