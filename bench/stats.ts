import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchRow } from './run.js';

/** The nearest-rank percentile (p in 0..100) of unsorted values; NaN when there are none. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** User+system CPU of a process and all its descendants so far, in ms (Linux /proc: nginx's master and workers). */
export function processTreeCpuMs(pid: number): number {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // gone, or a kernel without the children file: the process alone
  }
  return processCpuMs(pid) + children.reduce((sum, child) => sum + processTreeCpuMs(child), 0);
}

/** User+system CPU (`ms`) and its system part (`sysMs`) so far from a /proc `stat` file, in ms (clock ticks at 100 Hz). */
function statCpuMs(statPath: string): { ms: number; sysMs: number } {
  const fields = readFileSync(statPath, 'utf8').split(') ')[1]!.split(' ');
  const [user, sys] = [Number(fields[11]), Number(fields[12])];
  return { ms: (user + sys) * (1000 / 100), sysMs: sys * (1000 / 100) };
}

/** User+system CPU of a process so far, in ms (Linux /proc; all its threads included). */
export function processCpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/stat`).ms;
}

/**
 * User+system CPU in ms of every thread of a process and its descendants, summed by role: the
 * role a thread announced in `rolesDir` (gateway/server/thread-roles.ts: 'main', 'tracing
 * worker', 'libuv pool'), else 'other threads' (V8's GC and compiler threads, a primary's);
 * `sysMs` is the part spent in the kernel (system calls: socket writes, fsync).
 */
export function threadCpuByRoleMs(pid: number, rolesDir: string): Map<string, { ms: number; sysMs: number; threads: number }> {
  const byRole = new Map<string, { ms: number; sysMs: number; threads: number }>();
  const visit = (p: number): void => {
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${p}/task`);
    } catch {
      return; // gone
    }
    for (const tid of tids) {
      let role = 'other threads';
      try {
        role = readFileSync(join(rolesDir, tid), 'utf8').trim() || role;
      } catch {
        // not announced
      }
      try {
        const cpu = statCpuMs(`/proc/${p}/task/${tid}/stat`);
        const sum = byRole.get(role) ?? { ms: 0, sysMs: 0, threads: 0 };
        byRole.set(role, { ms: sum.ms + cpu.ms, sysMs: sum.sysMs + cpu.sysMs, threads: sum.threads + 1 });
      } catch {
        // the thread ended
      }
    }
    try {
      for (const child of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) visit(Number(child));
    } catch {
      // no children file
    }
  };
  visit(pid);
  return byRole;
}

/**
 * Median µs per call of `run(input)` over fresh inputs (made outside the clock): `rounds` rounds of
 * `perRound` calls after one unmeasured round that warms V8's compiler.
 */
export function medianMicrosPerCall<T>(make: (i: number) => T, run: (input: T) => unknown, rounds = 7, perRound = 5_000): number {
  const warm = Array.from({ length: perRound }, (_, i) => make(i));
  for (const input of warm) run(input);
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const inputs = Array.from({ length: perRound }, (_, i) => make(i));
    const started = performance.now();
    for (const input of inputs) run(input);
    times.push(((performance.now() - started) * 1000) / perRound);
  }
  return percentile(times, 50);
}

/** A row of µs per call with the way it was done before, measured in the same run, as its baseline. */
export function microsBesideBefore(group: string, name: string, value: number, before: string, beforeValue: number): BenchRow {
  return { group, name, value, unit: 'µs', baseline: `${before} ${beforeValue.toFixed(2)} µs (same run)` };
}
