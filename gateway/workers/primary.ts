/**
 * `serve --workers N`: the primary process of a gateway that serves one port from N processes on
 * one host (node:cluster; the primary accepts connections and hands each to a worker in turn).
 * Every worker is a whole gateway on the same data directory and SQLite store; what must hold
 * across them is arranged here:
 *  - one DPoP nonce key for the run, new at every start, sent to each worker over IPC;
 *  - one replay file (replay-file.ts), emptied before the workers start: a proof's jti is
 *    single-use across all of them;
 *  - a revocation, suspension, policy or certificate change made through any worker is applied by
 *    every other worker (cut streams, caches updated) before it is reported done (`fan-out`);
 *  - calls a crash cut off are marked once, here, before any worker serves (model/call-recovery.ts);
 *  - the first worker (the lead) answers the admin socket and runs the console and metrics.
 * A worker that dies takes the gateway down (every worker is stopped, exit code 1): a service
 * manager restarts it whole, rather than run on with a worker whose streams nobody can cut.
 */
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { fromWorker, type FromPrimary, type SiblingEvent } from './messages.js';

export interface PrimaryOptions {
  workers: number;
  /** Before the workers start: call recovery, the replay file. */
  prepare(): Promise<void>;
  /** The run's nonce key. */
  nonceKey: Buffer;
  /** Prints the lead's start line once every worker listens. */
  out(line: string): void;
  log(message: string, details?: Record<string, unknown>): void;
}

export const WORKER_INDEX_ENV = 'AIRLOCK_WORKER_INDEX';

/** How long workers get to close after SIGTERM before they are killed. */
const STOP_GRACE_MS = 8_000;

export async function runPrimary(options: PrimaryOptions): Promise<number> {
  await options.prepare();
  // Round-robin hand-off by the primary: connections spread evenly (the kernel's own choice does not).
  cluster.schedulingPolicy = cluster.SCHED_RR;
  const workers = new Map<number, Worker>();
  const listening = new Map<number, string>();
  const pending = new Map<number, { origin: Worker; originId: number; waiting: Set<number> }>();
  let nextId = 1;
  let stopping = false;
  let exitCode = 0;
  let announced = false;
  let allExited: () => void = () => undefined;
  const exited = new Promise<void>((resolve) => (allExited = resolve));

  const send = (worker: Worker, message: FromPrimary): void => {
    if (worker.isConnected()) worker.send(message);
  };

  function settle(id: number): void {
    const fan = pending.get(id);
    if (!fan || fan.waiting.size > 0) return;
    pending.delete(id);
    send(fan.origin, { kind: 'fanned', id: fan.originId });
  }

  function fanOut(origin: Worker, originId: number, event: SiblingEvent): void {
    const id = nextId++;
    const waiting = new Set([...workers.keys()].filter((index) => workers.get(index) !== origin));
    pending.set(id, { origin, originId, waiting });
    for (const index of waiting) send(workers.get(index)!, { kind: 'apply', id, event });
    settle(id);
  }

  function stopAll(code: number): void {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    for (const worker of workers.values()) worker.process.kill('SIGTERM');
    if (workers.size === 0) allExited();
    // A worker that has not closed in time (a connection that does not end) is killed: stopping
    // must not leave processes behind.
    setTimeout(() => {
      for (const worker of workers.values()) worker.process.kill('SIGKILL');
    }, STOP_GRACE_MS).unref();
  }

  for (let index = 1; index <= options.workers; index++) {
    const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(index) });
    workers.set(index, worker);
    worker.on('message', (raw: unknown) => {
      const parsed = fromWorker.safeParse(raw);
      if (!parsed.success) {
        options.log('a gateway worker sent a message that does not parse; ignored', { worker: index });
        return;
      }
      const message = parsed.data;
      switch (message.kind) {
        case 'hello':
          send(worker, { kind: 'setup', nonceKey: options.nonceKey.toString('base64') });
          return;
        case 'listening':
          listening.set(index, message.line);
          if (!announced && listening.size === options.workers) {
            announced = true;
            options.out(listening.get(1)!);
          }
          return;
        case 'fan-out':
          fanOut(worker, message.id, message.event);
          return;
        case 'applied':
          for (const [id, fan] of pending) {
            if (id === message.id) {
              fan.waiting.delete(index);
              settle(id);
            }
          }
          return;
      }
    });
    worker.on('exit', (code, signal) => {
      workers.delete(index);
      // Its streams are gone with it: nothing waits for it to apply anything.
      for (const [id, fan] of pending) {
        fan.waiting.delete(index);
        settle(id);
      }
      if (!stopping) {
        options.log('a gateway worker stopped; stopping the others (restart the gateway)', { worker: index, code, signal });
        stopAll(1);
      }
      if (workers.size === 0) allExited();
    });
  }

  const onSignal = (): void => stopAll(0);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  await exited;
  return exitCode;
}

/** A fresh nonce key for one run (the same derivation as a single gateway's, auth/nonce-key.ts). */
export function randomRunKey(): Buffer {
  return randomBytes(32);
}
