/**
 * The one seam between the proxy and an upstream. The proxy builds the request body, calls
 * `send`, and reads the answer as bytes; a real upstream (undici) and the built-in demo both sit
 * behind it, so the demo exercises the same relay, timeout, cut and audit code as a real server.
 */
import { readFile } from 'node:fs/promises';
import { Pool } from 'undici';
import type { OpenAiUpstreamConfig } from './upstream-config.js';

export interface UpstreamRequest {
  /** `chat/completions` (relative to the upstream's base URL). */
  path: 'chat/completions';
  /** The JSON body the gateway built (never the client's bytes). */
  body: string;
  signal: AbortSignal;
}

export interface UpstreamResponse {
  status: number;
  contentType: string;
  /** The body, chunk by chunk as it arrives; iteration stops early when the signal aborts. */
  body: AsyncIterable<Uint8Array>;
}

export interface UpstreamTransport {
  send(request: UpstreamRequest): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

/**
 * An OpenAI-compatible server over a keep-alive undici pool. The gateway's key is the only
 * credential sent; the client's Authorization and DPoP headers never reach this function.
 */
export async function createHttpTransport(upstream: OpenAiUpstreamConfig, apiKey: string | null): Promise<UpstreamTransport> {
  const base = new URL(upstream.baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  const ca = upstream.caFile ? await readFile(upstream.caFile, 'utf8') : undefined;
  const pool = new Pool(base.origin, {
    connections: 64,
    pipelining: 1,
    // Timeouts are the proxy's own (same for every transport); undici's are set wider so they never fire first.
    headersTimeout: upstream.timeouts.firstByteMs + 5_000,
    bodyTimeout: upstream.timeouts.idleMs + 5_000,
    ...(ca ? { connect: { ca } } : {}),
  });
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;

  return {
    async send(request) {
      const response = await pool.request({
        path: `${prefix}/${request.path}`,
        method: 'POST',
        headers,
        body: request.body,
        signal: request.signal,
      });
      const type = response.headers['content-type'];
      return {
        status: response.statusCode,
        contentType: (Array.isArray(type) ? type[0] : type) ?? '',
        body: response.body,
      };
    },
    async close() {
      await pool.close();
    },
  };
}
