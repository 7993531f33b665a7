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

const send = (path: string) => fetch(path, { method: 'GET', headers: { accept: 'application/json' }, credentials: 'same-origin' });

/** Reads asked for by the boot script while React loads; each is used once, by the first page that asks within a few seconds. */
const early = new Map<string, { atMs: number; response: Promise<Response> }>();
const EARLY_FOR_MS = 5_000;

export function prefetch(path: string): void {
  const response = send(path);
  response.catch(() => undefined); // reported to the page that uses it
  early.set(path, { atMs: performance.now(), response });
}

function takeEarly(path: string): Promise<Response> | undefined {
  const held = early.get(path);
  early.delete(path);
  return held && performance.now() - held.atMs < EARLY_FOR_MS ? held.response : undefined;
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let response: Response;
  if (method === 'GET') response = await (takeEarly(path) ?? send(path));
  else {
    const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/json' };
    if (csrf) headers['x-airlock-csrf'] = csrf;
    response = await fetch(path, { method, headers, credentials: 'same-origin', body: JSON.stringify(body ?? {}) });
  }
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

export const get = <T>(path: string) => call<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => call<T>('POST', path, body);

export async function login(secret: string): Promise<ConsoleSessionInfo> {
  const session = await post<ConsoleSessionInfo>('/api/login', { secret });
  csrf = session.csrf;
  return session;
}

export async function resume(): Promise<ConsoleSessionInfo> {
  const session = await get<ConsoleSessionInfo>('/api/session');
  csrf = session.csrf;
  return session;
}
