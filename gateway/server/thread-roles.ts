/**
 * Which OS thread of the gateway does what (issue 19's per-thread CPU breakdown): Node names every
 * thread "node", so a bench reading /proc/<pid>/task/<tid>/stat cannot tell the event loop from
 * the tracing worker or libuv's pool (fsync, crypto, file reads). When AIRLOCK_THREAD_ROLES names
 * a directory (benches set it; production never does), each thread writes a file named by its
 * thread id holding its role. Off, `announceThread` is one undefined check.
 */
import { readlink, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = process.env.AIRLOCK_THREAD_ROLES;

/** The calling thread's id (Linux: /proc/thread-self resolves per thread), or undefined elsewhere. */
function threadIdOf(link: string): number | undefined {
  const tid = Number(link.split('/').pop());
  return Number.isInteger(tid) && tid > 0 ? tid : undefined;
}

function record(tid: number | undefined, role: string): void {
  if (DIR === undefined || tid === undefined) return;
  try {
    writeFileSync(join(DIR, String(tid)), role);
  } catch {
    // a bench aid: a missing directory leaves the thread unnamed
  }
}

/** Records the calling thread's role (the main thread: 'main'; a worker: its purpose). */
export function announceThread(role: string): void {
  if (DIR === undefined) return;
  try {
    record(threadIdOf(readlinkSync('/proc/thread-self')), role);
  } catch {
    // no /proc (not Linux)
  }
}

/**
 * Names libuv's pool threads: an fs.readlink runs on a pool thread, where /proc/thread-self is
 * that thread. A round of many at once may all land on the threads that woke first, so rounds
 * follow (a millisecond apart, at most 200) until every thread of the pool has answered.
 */
export function announcePoolThreads(): void {
  if (DIR === undefined) return;
  const size = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  const seen = new Set<number>();
  let rounds = 0;
  const round = (): void => {
    let answers = 0;
    for (let i = 0; i < 32; i++) {
      readlink('/proc/thread-self', (error, link) => {
        const tid = error ? undefined : threadIdOf(link);
        if (tid !== undefined && !seen.has(tid)) {
          seen.add(tid);
          record(tid, 'libuv pool');
        }
        if (++answers === 32 && seen.size < size && ++rounds < 200) setTimeout(round, 1).unref();
      });
    }
  };
  round();
}
