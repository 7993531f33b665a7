/**
 * Issue 19: where one sequential streamed call's time goes inside the gateway, step by step. One
 * gateway (the compiled JavaScript when built) runs with AIRLOCK_CALL_TIMING set, which turns on
 * process.hrtime marks along the call (gateway/model/call-timing.ts; off in production); CALLS
 * sequential streamed calls (20 chunks, a fresh DPoP proof each, signed before they start) go
 * through it, and the median and p90 of each gap between marks are printed, with the client's
 * first byte and total and the gateway's CPU per call beside them. A gap far above its CPU is a wait.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'undici';
import type { BenchRow } from '../run.js';
import { percentile, processCpuMs, threadCpuByRoleMs } from '../stats.js';
import { startOpenAiServer } from '../../test/helpers/openai-server.js';
import { pinnedServerIdentity } from '../../test/helpers/pinned-client.js';
import { initDataDir } from '../../gateway/init/init.js';
import { timedStream } from './20-proxy.js';
import { startBenchGateway } from './26-profile.js';

const CALLS = Number(process.env.AIRLOCK_BENCH_TIMING_CALLS ?? 1000);
const WARMUP = 100;

interface StepSummary {
  p50Us: number;
  p90Us: number;
  n: number;
}

export default async function timingBench(log: (line: string) => void): Promise<BenchRow[]> {
  const root = await mkdtemp(join(tmpdir(), 'airlock-bench-timing-'));
  const upstream = await startOpenAiServer({ chunks: 20 });
  const timingFile = join(root, 'timing.json');
  const ttfb: number[] = [];
  const total: number[] = [];
  /** The gateway's CPU (every thread) over the measured calls, in ms. */
  let cpuMs = 0;
  /** The same by thread role (gateway/server/thread-roles.ts), in ms. */
  let byRole = new Map<string, { ms: number; sysMs: number; threads: number }>();
  const rolesDir = join(root, 'threads');
  try {
    await mkdir(rolesDir);
    log(`load average at start (1 / 5 / 15 min): ${loadavg().map((l) => l.toFixed(2)).join(' / ')}`);
    const dataDir = join(root, 'data');
    await initDataDir(dataDir);
    const { gw, device } = await startBenchGateway(dataDir, upstream.baseUrl, 'timing@example.com', { env: { AIRLOCK_CALL_TIMING: timingFile, AIRLOCK_THREAD_ROLES: rolesDir } });
    try {
      await device.fetch('GET', '/v1/models');
      const proofs = await Promise.all(Array.from({ length: CALLS + WARMUP }, () => device.proof('POST', '/v1/chat/completions', { accessToken: device.accessToken! })));
      const client = new Client(gw.url, { connect: { ca: gw.caPem, checkServerIdentity: pinnedServerIdentity([gw.pin]) }, pipelining: 1 });
      try {
        let cpuAtStart = 0;
        let rolesAtStart = new Map<string, { ms: number; sysMs: number; threads: number }>();
        for (const [i, dpop] of proofs.entries()) {
          if (i === WARMUP) {
            cpuAtStart = processCpuMs(gw.process.pid!);
            rolesAtStart = threadCpuByRoleMs(gw.process.pid!, rolesDir);
          }
          const t = await timedStream(client, '/v1/chat/completions', { authorization: `DPoP ${device.accessToken!}`, dpop });
          if (i >= WARMUP) {
            ttfb.push(t.ttft);
            total.push(t.total);
          }
        }
        // Its deferred work (the last end entries and their fsync) falls inside the next 50 ms.
        await new Promise((resolve) => setTimeout(resolve, 50));
        cpuMs = processCpuMs(gw.process.pid!) - cpuAtStart;
        byRole = new Map([...threadCpuByRoleMs(gw.process.pid!, rolesDir)].map(([role, { ms, sysMs, threads }]) => [role, { ms: ms - (rolesAtStart.get(role)?.ms ?? 0), sysMs: sysMs - (rolesAtStart.get(role)?.sysMs ?? 0), threads }]));
      } finally {
        await client.close();
      }
    } finally {
      await gw.stop();
    }
    // A gateway without the marks (older code, run for a comparison) writes no file: client figures and CPU only.
    const { calls, steps } = existsSync(timingFile) ? (JSON.parse(await readFile(timingFile, 'utf8')) as { calls: number; steps: Record<string, StepSummary> }) : { calls: 0, steps: {} };
    log(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(' / ')}; ${calls} calls timed inside the gateway (warm-up included)`);
    log(`client: first byte p50 ${percentile(ttfb, 50).toFixed(3)} ms, total p50 ${percentile(total, 50).toFixed(3)} ms; gateway CPU ${((cpuMs * 1000) / CALLS).toFixed(0)} µs a call (every thread)`);
    log(`  by thread, µs a call (of which in the kernel): ${[...byRole].map(([role, { ms, sysMs, threads }]) => `${role} ${((ms * 1000) / CALLS).toFixed(0)} (${((sysMs * 1000) / CALLS).toFixed(0)}; ${threads} thread${threads === 1 ? '' : 's'})`).join(', ')}`);
    // Gaps between marks, then the two totals that matter: to the answer's headers (the first
    // byte follows them in the same write) and to the end of the answer.
    const shown = Object.entries(steps).filter(([step]) => step.includes(' -> ') || /=> (headers|ended)$/.test(step));
    for (const [step, s] of shown) log(`  ${step.padEnd(52)} p50 ${s.p50Us.toFixed(1).padStart(8)} µs   p90 ${s.p90Us.toFixed(1).padStart(8)} µs`);
    const toHeaders = steps['request => headers'];
    return [
      { group: 'timing', name: `sequential streamed call, client first byte p50 (${CALLS} calls; gateway steps in the log above)`, value: percentile(ttfb, 50), unit: 'ms' },
      { group: 'timing', name: 'gateway CPU per sequential streamed call (every thread)', value: (cpuMs * 1000) / CALLS, unit: 'µs' },
      ...(toHeaders ? [{ group: 'timing', name: 'inside the gateway, request to the answer\'s headers, p50 / p90', value: toHeaders.p50Us, unit: `µs / ${toHeaders.p90Us.toFixed(0)} µs` }] : []),
    ];
  } finally {
    await upstream.close();
    await rm(root, { recursive: true, force: true });
  }
}
