import { Agent } from 'undici';
import type { buildConnector } from 'undici';

/** One answer of the gateway, body not yet read. */
export interface GatewayResponse {
  status: number;
  header(name: string): string | undefined;
  json(): Promise<unknown>;
  text(): Promise<string>;
  /** The body as it arrives (for SSE); ending the iteration early closes the stream. */
  body: AsyncIterable<Uint8Array>;
  /** Discards the rest of the body. */
  discard(): Promise<void>;
}

export interface GatewayRequest {
  method: 'GET' | 'POST';
  /** Path on the gateway origin, e.g. `/v1/session`. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface GatewayHttp {
  readonly origin: string;
  request(request: GatewayRequest): Promise<GatewayResponse>;
  close(): Promise<void>;
}

const MAX_JSON_BYTES = 1 << 20;

/**
 * HTTP to one gateway origin over the pinned connector. Its own undici Agent: never the global
 * dispatcher, so proxy environment variables and system roots play no part for the gateway.
 */
export function createGatewayHttp(options: { origin: string; connector: buildConnector.connector; headersTimeoutMs?: number }): GatewayHttp {
  const agent = new Agent({
    connect: options.connector,
    headersTimeout: options.headersTimeoutMs ?? 30_000,
    // Streams (chat, events) may stay quiet between tokens and heartbeats.
    bodyTimeout: 0,
    keepAliveTimeout: 10_000,
  });

  return {
    origin: options.origin,
    async request(request) {
      const response = await agent.request({
        origin: options.origin,
        path: request.path,
        method: request.method,
        headers: { accept: 'application/json', ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}), ...request.headers },
        body: request.body,
        signal: request.signal,
      });
      const body = response.body;
      async function text(): Promise<string> {
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of body as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > MAX_JSON_BYTES) {
            body.destroy();
            throw new Error('gateway answer too large');
          }
          chunks.push(chunk);
        }
        return Buffer.concat(chunks).toString('utf8');
      }
      return {
        status: response.statusCode,
        header(name) {
          const value = response.headers[name.toLowerCase()];
          return Array.isArray(value) ? value[0] : value;
        },
        text,
        async json() {
          return JSON.parse(await text()) as unknown;
        },
        body: body as AsyncIterable<Uint8Array>,
        async discard() {
          await body.dump().catch(() => undefined);
        },
      };
    },
    async close() {
      await agent.destroy();
    },
  };
}
