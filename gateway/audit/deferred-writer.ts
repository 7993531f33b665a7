/**
 * Appends audit entries from a worker thread (deferred-worker.ts) so that their fsync'd commit
 * does not block the event loop. A model call's entry, written on the main connection, cost about
 * 1 ms of synchronous commit per call, and the next request on the connection waited for it.
 *
 * Durability is unchanged: the promise resolves only after the worker's transaction committed
 * with synchronous=FULL, in the same hash chain as every other entry. The worker starts on first
 * use and is ref'd only while entries are pending, so an idle store never keeps a process alive.
 */
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AuditEntry, AuditInput } from '../store/store.js';
import { canonicalJson } from './chain.js';
import type { DeferredReply, DeferredRequest } from './deferred-protocol.js';

export interface DeferredAuditWriter {
  append(entry: AuditInput): Promise<AuditEntry>;
  /**
   * Adds to a tester's token count for a UTC day (`YYYY-MM-DD`) in the worker's next commit, so
   * the ledger's periodic fsync'd write leaves the event loop too. Resolves once committed.
   */
  addTokenUsage(tester: string, day: string, tokens: number): Promise<void>;
  /** Waits for every pending entry, then stops the worker. Appends after this are refused. */
  close(): Promise<void>;
}

interface Pending {
  resolve(entry: AuditEntry | undefined): void;
  reject(error: Error): void;
}

/**
 * How to start the worker. From compiled JavaScript, its file. From TypeScript source (tsx, vitest),
 * a worker does not inherit the parent's loader hooks in Node 20, so a one-line CommonJS bootstrap
 * loads the worker through tsx's own API.
 */
function workerSpec(): { entry: URL | string; eval: boolean } {
  const ext = extname(fileURLToPath(import.meta.url));
  const url = new URL(`./deferred-worker${ext}`, import.meta.url);
  if (ext !== '.ts') return { entry: url, eval: false };
  // The package's ESM build (its CommonJS build's tsImport cannot find its own files).
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const code = `import(${JSON.stringify(tsxApi)}).then((tsx) => tsx.tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(url.href)}))`;
  return { entry: code, eval: true };
}

export function createDeferredAuditWriter(path: string, now: () => Date): DeferredAuditWriter {
  let worker: Worker | null = null;
  let nextId = 1;
  let closed = false;
  const pending = new Map<number, Pending>();
  let drained: (() => void) | null = null;

  function settle(id: number, outcome: { entry: AuditEntry | undefined } | { error: Error }): void {
    const waiter = pending.get(id);
    if (!waiter) return;
    pending.delete(id);
    if ('entry' in outcome) waiter.resolve(outcome.entry);
    else waiter.reject(outcome.error);
    if (pending.size === 0) {
      worker?.unref();
      drained?.();
    }
  }

  function failAll(error: Error): void {
    for (const id of [...pending.keys()]) settle(id, { error });
  }

  function start(): Worker {
    const spec = workerSpec();
    const started = new Worker(spec.entry, { workerData: { path }, eval: spec.eval });
    started.on('message', (reply: DeferredReply) => {
      if (reply.kind === 'done') for (const { id, entry } of reply.results) settle(id, { entry });
      else for (const id of reply.ids) settle(id, { error: new Error(`audit entry not written: ${reply.message}`) });
    });
    started.on('error', (error) => {
      if (worker === started) worker = null;
      failAll(new Error(`audit writer failed: ${error.message}`));
    });
    started.on('exit', (code) => {
      if (worker === started) worker = null;
      // Entries still pending when the worker ended were not confirmed: the caller must know.
      failAll(new Error(`audit writer stopped (exit code ${code}) before confirming the entry`));
    });
    return started;
  }

  function post<T>(message: DeferredRequest & { id: number }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      worker ??= start();
      if (pending.size === 0) worker.ref();
      pending.set(message.id, { resolve: resolve as (value: AuditEntry | undefined) => void, reject });
      worker.postMessage(message);
    });
  }

  return {
    addTokenUsage(tester, day, tokens) {
      if (closed) return Promise.reject(new Error('the audit writer is closed'));
      return post<void>({ kind: 'usage', id: nextId++, tester, day, tokens });
    },
    append(input) {
      if (closed) return Promise.reject(new Error('the audit writer is closed'));
      const id = nextId++;
      const message: DeferredRequest = {
        kind: 'append',
        id,
        time: now().toISOString(),
        type: input.type,
        actor: input.actor,
        subject: input.subject,
        details: canonicalJson(input.details ?? {}),
      };
      return post<AuditEntry>(message);
    },
    async close() {
      closed = true;
      if (pending.size > 0) await new Promise<void>((resolve) => (drained = resolve));
      const running = worker;
      worker = null;
      if (!running) return;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.postMessage({ kind: 'close' } satisfies DeferredRequest);
      await exited;
    },
  };
}
