/**
 * The per-thread CPU breakdown of bench 25-speed rests on the gateway's threads naming themselves
 * (gateway/server/thread-roles.ts): the main thread, every thread of libuv's pool and a worker
 * each write their thread id under AIRLOCK_THREAD_ROLES, and those ids are threads of the process.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const MODULE = fileURLToPath(new URL('../../../gateway/server/thread-roles.ts', import.meta.url));
/** A worker does not inherit tsx's loader in Node 20: it loads the module through tsx's API (as gateway/tracing/worker-entry.ts). */
const TSX_API = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
const WORKER = `import(${JSON.stringify(TSX_API)}).then((tsx) => tsx.tsImport(${JSON.stringify(pathToFileURL(MODULE).href)}, ${JSON.stringify(pathToFileURL(MODULE).href)})).then((r) => r.announceThread('test worker'))`;

describe('thread roles (AIRLOCK_THREAD_ROLES)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-threads-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names the main thread, each of libuv\'s pool threads and a worker by their ids, all threads of the process', async () => {
    // The child prints its own threads once every role is written, then waits to be told to exit.
    const script = `
      import { readdirSync } from 'node:fs';
      import { Worker } from 'node:worker_threads';
      const roles = await import(${JSON.stringify(MODULE)});
      roles.announceThread('main');
      roles.announcePoolThreads();
      const worker = new Worker(${JSON.stringify(WORKER)}, { eval: true });
      await new Promise((resolve) => worker.once('exit', resolve));
      const deadline = Date.now() + 10_000;
      while (readdirSync(process.env.AIRLOCK_THREAD_ROLES).length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      console.log(JSON.stringify({ pid: process.pid, threads: readdirSync('/proc/self/task') }));
      process.stdin.once('data', () => process.exit(0));
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, AIRLOCK_THREAD_ROLES: dir, UV_THREADPOOL_SIZE: '4' }, stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      // A child that fails exits instead of printing: the test fails at once rather than at its timeout.
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout!.setEncoding('utf8').once('data', resolve);
        child.once('exit', (code) => reject(new Error(`the child exited (${code}) before naming its threads`)));
      });
      const { pid, threads } = JSON.parse(line) as { pid: number; threads: string[] };
      const named = new Map<string, string>();
      for (const tid of await readdir(dir)) named.set(tid, await readFile(join(dir, tid), 'utf8'));
      const byRole = (role: string) => [...named].filter(([, r]) => r === role).map(([tid]) => tid);
      expect(byRole('main')).toEqual([String(pid)]);
      expect(byRole('libuv pool')).toHaveLength(4);
      expect(byRole('test worker')).toHaveLength(1);
      // Every pool thread is a live thread of the process and none is the main thread; the worker had its own thread.
      for (const tid of byRole('libuv pool')) expect(threads).toContain(tid);
      expect(byRole('libuv pool')).not.toContain(String(pid));
      expect(byRole('test worker')[0]).not.toBe(String(pid));
    } finally {
      child.stdin!.end('x');
      if (child.exitCode === null) await once(child, 'exit');
    }
  });
});
