/**
 * Refusals audited as counted summaries. The first refusal of an address with a code (and actor:
 * the device a token named, else the address) in a window is written as its own `refusal` entry
 * (what was refused, and why); the others of that window are only counted, and one
 * `refusal.summary` entry per address, code and actor says how many there were, from when to
 * when, when the window ends. A flood then costs a few entries, not one per request.
 *
 * Every write goes through `append`, which the gateway points at the store's deferred appends
 * (batched, fsync'd on libuv's thread pool): no refusal's fsync runs on the event loop.
 */
import type { ErrorCode } from '../../protocol/errors.js';
import type { AuditInput } from '../store/store.js';

export interface Refusal {
  code: ErrorCode;
  /** `device:ID` or `client:ADDRESS`, as the refusal entry names it. */
  actor: string;
  /** `METHOD /route`. */
  subject: string;
  /** The client address the refusal is counted under. */
  client: string;
  details?: Record<string, unknown>;
}

export interface RefusalSummariesOptions {
  append(entry: AuditInput): Promise<unknown>;
  /** Length of one counting window. */
  windowMs: number;
  /** Distinct address-and-code pairs tracked at once; beyond, refusals are counted under `client:*`. */
  maxKeys: number;
  now(): number;
  onError(error: unknown): void;
}

export interface RefusalSummaries {
  /** Resolves once the refusal's own entry is committed, or at once when it is only counted. */
  note(refusal: Refusal): Promise<void>;
  /** Writes the summaries of every window now (on close). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

interface Window {
  code: ErrorCode;
  actor: string;
  client: string;
  from: number;
  /** Refusals counted after the first (which has its own entry). */
  count: number;
  last: number;
  subjects: Set<string>;
}

/** At most this many distinct subjects are named in one summary. */
const MAX_SUBJECTS = 5;
const OVERFLOW_CLIENT = '*';

export function createRefusalSummaries(options: RefusalSummariesOptions): RefusalSummaries {
  const windows = new Map<string, Window>();
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  const write = async (entry: AuditInput): Promise<void> => {
    try {
      await options.append(entry);
    } catch (error) {
      options.onError(error);
    }
  };

  function summaryOf(w: Window): AuditInput {
    return {
      type: 'refusal.summary',
      actor: w.actor,
      subject: w.code,
      details: { code: w.code, client: w.client, count: w.count, from: new Date(w.from).toISOString(), to: new Date(w.last).toISOString(), subjects: [...w.subjects] },
    };
  }

  /** Ends the windows that are over (all of them with `all`), writing a summary where any refusal was only counted. */
  function endWindows(all: boolean): Promise<void>[] {
    const now = options.now();
    const writes: Promise<void>[] = [];
    for (const [key, w] of windows) {
      if (!all && now - w.from < options.windowMs) continue;
      windows.delete(key);
      if (w.count > 0) writes.push(write(summaryOf(w)));
    }
    return writes;
  }

  function schedule(): void {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = null;
      void Promise.all(endWindows(false));
      if (windows.size > 0) schedule();
    }, options.windowMs);
    timer.unref();
  }

  return {
    async note(refusal) {
      const now = options.now();
      let client = refusal.client;
      let actor = refusal.actor;
      let key = `${client}\u0000${refusal.code}\u0000${actor}`;
      let w = windows.get(key);
      if (w && now - w.from >= options.windowMs) {
        windows.delete(key);
        if (w.count > 0) void write(summaryOf(w));
        w = undefined;
      }
      if (!w && windows.size >= options.maxKeys) {
        client = OVERFLOW_CLIENT;
        actor = `client:${OVERFLOW_CLIENT}`;
        key = `${client}\u0000${refusal.code}\u0000${actor}`;
        w = windows.get(key);
      }
      if (w) {
        w.count++;
        w.last = now;
        if (w.subjects.size < MAX_SUBJECTS) w.subjects.add(refusal.subject);
        return;
      }
      windows.set(key, { code: refusal.code, actor, client, from: now, count: 0, last: now, subjects: new Set() });
      schedule();
      await write({ type: 'refusal', actor: refusal.actor, subject: refusal.subject, details: { code: refusal.code, client: refusal.client, ...refusal.details } });
    },
    async flush() {
      await Promise.all(endWindows(true));
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await Promise.all(endWindows(true));
    },
  };
}
