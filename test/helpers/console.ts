/**
 * The admin console of a test gateway, spoken to as a browser would: plain HTTP on loopback with
 * any Host and Origin the test chooses (node:http lets a test set Host, fetch does not).
 *
 *   const gw = await startGateway({ args: ['--console-listen', '127.0.0.1:0'] });
 *   const { base, secret } = await consoleLink(gw);          // `airlock-gateway console --json`
 *   const session = await openConsoleSession(gw);            // link redeemed: cookie + CSRF token
 *   await consoleRequest(base, 'POST', '/api/devices/ID/revoke', { cookie: session.cookie, csrf: session.csrf, body: {} });
 */
import { request } from 'node:http';
import type { TestGateway } from './gateway.js';

export interface ConsoleResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json<T = unknown>(): T;
  errorCode: string | undefined;
}

export interface ConsoleRequestOptions {
  cookie?: string;
  csrf?: string;
  body?: unknown;
  /** Default: the console's own host:port. */
  host?: string;
  /** Default: the console's own origin on a POST, none on a GET; null: send none. */
  origin?: string | null;
}

export function consoleRequest(base: string, method: 'GET' | 'POST', path: string, options: ConsoleRequestOptions = {}): Promise<ConsoleResponse> {
  const url = new URL(path, base);
  const headers: Record<string, string> = { host: options.host ?? url.host };
  const origin = options.origin === undefined ? (method === 'POST' ? new URL(base).origin : null) : options.origin;
  if (origin !== null) headers.origin = origin;
  if (options.cookie) headers.cookie = options.cookie;
  if (options.csrf) headers['x-airlock-csrf'] = options.csrf;
  const body = method === 'POST' ? JSON.stringify(options.body ?? {}) : undefined;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, setHost: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => {
        let errorCode: string | undefined;
        try {
          errorCode = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
        } catch {
          errorCode = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T, errorCode });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `airlock-gateway console --json`: the link, its base URL and the one-time secret. */
export async function consoleLink(gw: TestGateway): Promise<{ link: string; base: string; secret: string; expiresAt: string }> {
  const result = await gw.cli(['console', '--json']);
  if (result.code !== 0) throw new Error(`airlock-gateway console failed: ${result.stderr}`);
  const { link, expiresAt } = result.json<{ link: string; expiresAt: string }>();
  const url = new URL(link);
  return { link, base: url.origin, secret: url.hash.replace(/^#login=/, ''), expiresAt };
}

export interface ConsoleSession {
  base: string;
  cookie: string;
  csrf: string;
  osUser: string;
}

/** Redeems a fresh console link, as the console page does at `#login=`. */
export async function openConsoleSession(gw: TestGateway): Promise<ConsoleSession> {
  const { base, secret } = await consoleLink(gw);
  const login = await consoleRequest(base, 'POST', '/api/login', { body: { secret } });
  if (login.status !== 200) throw new Error(`console login: ${login.status} ${login.text}`);
  const setCookie = [login.headers['set-cookie'] ?? []].flat()[0] ?? '';
  const { csrf, osUser } = login.json<{ csrf: string; osUser: string }>();
  return { base, cookie: setCookie.split(';')[0]!, csrf, osUser };
}
