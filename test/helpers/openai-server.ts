/**
 * A small OpenAI-compatible server for tests and the bench, on 127.0.0.1 and an ephemeral port.
 * `GET /v1/models` lists TEST_MODELS (or the `models` option). The model id picks its behaviour,
 * so one server serves every case:
 *   test-chat        20 content chunks (or JSON when not streamed), usage when include_usage
 *   test-slow        as test-chat, `slowMs` between chunks
 *   test-long        `longChunks` chunks, `slowMs` apart (a stream that stays open)
 *   test-error       500 with an error body (that names the key it was sent, to prove none leaks)
 *   test-stall       accepts the request and never answers
 *   test-stall-mid   3 chunks, then silence
 * It records every request (headers and body) and the exact `data:` payloads it sent, and tells
 * when a request's connection closed, so tests can compare chunks and see aborts.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: Record<string, unknown> | null;
  /** The `data:` payloads sent back, in order (`[DONE]` included). */
  sent: string[];
  /** Resolves when the client side of this request closed (finished or aborted). */
  closed: Promise<{ completed: boolean }>;
}

export interface OpenAiTestServer {
  url: string;
  /** The base URL to configure as an upstream (`<url>/v1`). */
  baseUrl: string;
  requests: ReceivedRequest[];
  slowMs: number;
  longChunks: number;
  /** Resolves with the next request received. */
  nextRequest(): Promise<ReceivedRequest>;
  close(): Promise<void>;
}

export const TEST_MODELS = ['test-chat', 'test-slow', 'test-long', 'test-error', 'test-stall', 'test-stall-mid'] as const;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `models`: what `GET /v1/models` lists (default TEST_MODELS; `[]` lists none). */
export async function startOpenAiServer(options: { slowMs?: number; longChunks?: number; chunks?: number; models?: readonly string[] } = {}): Promise<OpenAiTestServer> {
  const requests: ReceivedRequest[] = [];
  const waiters: Array<(r: ReceivedRequest) => void> = [];
  const chunks = options.chunks ?? 20;
  const open = new Set<ServerResponse>();

  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => {
      const body = Buffer.concat(parts).toString('utf8');
      let json: Record<string, unknown> | null = null;
      try {
        json = JSON.parse(body) as Record<string, unknown>;
      } catch {
        json = null;
      }
      let resolveClosed!: (v: { completed: boolean }) => void;
      const record: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        json,
        sent: [],
        closed: new Promise((resolve) => (resolveClosed = resolve)),
      };
      open.add(res);
      res.on('close', () => {
        open.delete(res);
        resolveClosed({ completed: res.writableFinished });
      });
      requests.push(record);
      waiters.shift()?.(record);
      void answer(record, res);
    });
  });

  const api: OpenAiTestServer = {
    url: '',
    baseUrl: '',
    requests,
    slowMs: options.slowMs ?? 50,
    longChunks: options.longChunks ?? 10_000,
    nextRequest: () => new Promise((resolve) => waiters.push(resolve)),
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  async function answer(record: ReceivedRequest, res: ServerResponse): Promise<void> {
    if (record.method === 'GET' && record.path === '/v1/models') {
      const data = (options.models ?? TEST_MODELS).map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'test' }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data }));
      return;
    }
    if (record.method !== 'POST' || record.path !== '/v1/chat/completions' || !record.json) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      return;
    }
    const model = String(record.json.model);
    const stream = record.json.stream === true;
    const includeUsage = (record.json.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    if (model === 'test-error') {
      // Echoes the Authorization it received, as some real servers do in errors: the gateway must not relay it.
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `internal failure for ${record.headers.authorization ?? ''}`, type: 'server_error' } }));
      return;
    }
    if (model === 'test-stall') return;
    const id = `chatcmpl-test-${requests.length}`;
    const created = 1_700_000_000;
    const count = model === 'test-long' ? api.longChunks : chunks;
    const words = Array.from({ length: count }, (_, i) => `w${i} `);
    const usage = { prompt_tokens: 7, completion_tokens: count, total_tokens: 7 + count };
    if (!stream) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        id, object: 'chat.completion', created, model,
        choices: [{ index: 0, message: { role: 'assistant', content: words.join(''), refusal: null }, logprobs: null, finish_reason: 'stop' }],
        usage,
      }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    // Respects backpressure like a real server, so `sent` shows how far the reader let it get.
    const send = async (data: string): Promise<void> => {
      if (res.destroyed) return;
      record.sent.push(data);
      if (!res.write(`data: ${data}\n\n`)) await new Promise<void>((resolve) => {
        res.once('drain', resolve);
        res.once('close', resolve);
      });
    };
    const chunk = (delta: object, finish: string | null) => JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
    await send(chunk({ role: 'assistant', content: '' }, null));
    for (let i = 0; i < words.length; i++) {
      if (res.destroyed) return;
      if (model === 'test-stall-mid' && i === 3) return;
      if ((model === 'test-slow' || model === 'test-long') && api.slowMs > 0) await sleep(api.slowMs);
      await send(chunk({ content: words[i] }, null));
    }
    await send(chunk({}, 'stop'));
    if (includeUsage) await send(JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage }));
    await send('[DONE]');
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  api.url = `http://127.0.0.1:${port}`;
  api.baseUrl = `${api.url}/v1`;
  return api;
}
