/**
 * The console's only way out: the console API on its own origin. The session cookie goes with
 * every request on its own (HttpOnly, SameSite=Strict); changes also carry the CSRF token the
 * login answered with.
 */
import type { ConsoleError, ConsoleSessionInfo } from '../../protocol/schemas/console.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrf = '';
const sessionEndedListeners = new Set<() => void>();

export function onSessionEnded(listener: () => void): () => void {
  sessionEndedListeners.add(listener);
  return () => sessionEndedListeners.delete(listener);
}

/** A read the entry asked for while React loads, and its answer once it is here. */
interface EarlyRead {
  atMs: number;
  answer: Promise<unknown>;
  arrived?: Arrived<unknown>;
}
/** An answer that is already here: its value, or why there is none. */
export type Arrived<T> = { value: T } | { error: Error };

/** Each early read is used once: by the first render (arrived) or by a get() within a few seconds. */
const early = new Map<string, EarlyRead>();
const EARLY_FOR_MS = 5_000;

/** Asks for `path` now (the entry, before React and the pages have loaded); see get() and arrived(). */
export function prefetch(path: string): void {
  const read: EarlyRead = { atMs: performance.now(), answer: request('GET', path) };
  // Also keeps a failed early read from counting as unhandled: the page that takes it reports it.
  read.answer.then(
    (value: unknown) => (read.arrived = { value }),
    (error: unknown) => (read.arrived = { error: error instanceof Error ? error : new Error(String(error)) }),
  );
  early.set(path, read);
}

/**
 * An answer that came with the page (drawn by the gateway with it), kept as an early read that has
 * arrived: the first render takes it, nothing is asked again.
 */
export function seed(path: string, value: unknown): void {
  early.set(path, { atMs: performance.now(), answer: Promise.resolve(value), arrived: { value } });
}

/** Forgets every early read (the gateway's drawing of one page is over). */
export function forgetEarly(): void {
  early.clear();
}

function takeEarly(path: string): EarlyRead | undefined {
  const read = early.get(path);
  early.delete(path);
  return read && performance.now() - read.atMs < EARLY_FOR_MS ? read : undefined;
}

/**
 * Settles when every early read has its answer, so the first frame can show them, or after
 * `atMostMs` (a slow answer then fills the page when it comes: get() takes the same read). Never rejects.
 */
export function earlyReadsSettled(atMostMs: number): Promise<void> {
  const answers = Promise.allSettled([...early.values()].map((read) => read.answer));
  return Promise.race([answers, new Promise((resolve) => setTimeout(resolve, atMostMs))]).then(() => undefined);
}

/**
 * The answer of an early read of `path` if it is already here, taken (a later get() asks again).
 * No age limit: the first render uses what the entry asked for in the same page load.
 */
export function arrived<T>(path: string): Arrived<T> | undefined {
  const read = early.get(path);
  if (!read?.arrived) return undefined;
  early.delete(path);
  return read.arrived as Arrived<T>;
}

async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method === 'POST') {
    headers['content-type'] = 'application/json';
    if (csrf) headers['x-airlock-csrf'] = csrf;
  }
  const response = await fetch(path, { method, headers, credentials: 'same-origin', ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}) });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: reported below
  }
  if (!response.ok) {
    const error = (parsed as ConsoleError | null)?.error;
    if (response.status === 401 && error?.code === 'session_ended') for (const l of sessionEndedListeners) l();
    throw new ApiError(response.status, error?.code ?? 'unknown', error?.message ?? `The console API answered ${response.status}.`);
  }
  return parsed as T;
}

export const get = <T>(path: string) => (takeEarly(path)?.answer as Promise<T> | undefined) ?? request<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => request<T>('POST', path, body);

export async function login(secret: string): Promise<ConsoleSessionInfo> {
  const session = await post<ConsoleSessionInfo>('/api/login', { secret });
  csrf = session.csrf;
  return session;
}

/** A login link's redemption the entry started, not yet taken by the page. */
let pendingLogin: Promise<ConsoleSessionInfo> | undefined;

/**
 * Redeems a login link's secret now (the entry, while React's chunk loads) and, once the session
 * is open, asks for the page's data (`then`), so the first page after a login link waits for
 * neither behind React: the trade and the read travel while the chunk is fetched and run.
 */
export function startLogin(secret: string, then: string | null): void {
  pendingLogin = login(secret).then((session) => {
    if (then) prefetch(then);
    return session;
  });
  // Reported by the page that takes it (takeLogin), not as an unhandled rejection meanwhile.
  pendingLogin.catch(() => undefined);
}

/** The login the entry started, once: the page opens its session with it. */
export function takeLogin(): Promise<ConsoleSessionInfo> | undefined {
  const started = pendingLogin;
  pendingLogin = undefined;
  return started;
}

/** The session a page drawn by the gateway came with: its CSRF token is used from now on. */
export function adopt(session: ConsoleSessionInfo): void {
  csrf = session.csrf;
}

export async function resume(): Promise<ConsoleSessionInfo> {
  const session = await get<ConsoleSessionInfo>('/api/session');
  csrf = session.csrf;
  return session;
}
