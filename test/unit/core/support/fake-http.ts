import type { GatewayHttp, GatewayRequest, GatewayResponse } from '../../../../main/core/transport/gateway-http.js';

export interface FakeAnswer {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  /** SSE or other body, in chunks; a function may wait (e.g. for an abort). */
  chunks?: string[] | ((signal: AbortSignal | undefined) => AsyncIterable<string>);
}

/** A scripted gateway: every request is recorded and answered by `handler`. */
export function fakeHttp(origin: string, handler: (request: GatewayRequest, index: number) => FakeAnswer | Promise<FakeAnswer>): GatewayHttp & { requests: GatewayRequest[] } {
  const requests: GatewayRequest[] = [];
  const encoder = new TextEncoder();
  return {
    origin,
    requests,
    async request(request) {
      requests.push(request);
      const answer = await handler(request, requests.length - 1);
      const text = answer.json === undefined ? '' : JSON.stringify(answer.json);
      const headers = Object.fromEntries(Object.entries(answer.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
      async function* body(): AsyncGenerator<Uint8Array> {
        if (answer.chunks === undefined) {
          yield encoder.encode(text);
          return;
        }
        const source = typeof answer.chunks === 'function' ? answer.chunks(request.signal) : answer.chunks;
        for await (const chunk of source) {
          if (request.signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
          yield encoder.encode(chunk);
        }
      }
      const response: GatewayResponse = {
        status: answer.status,
        header: (name) => headers[name.toLowerCase()],
        json: async () => JSON.parse(text) as unknown,
        text: async () => text,
        body: body(),
        discard: async () => undefined,
      };
      return response;
    },
    async close() {},
  };
}

export const errorAnswer = (status: number, code: string, headers?: Record<string, string>): FakeAnswer => ({ status, json: { error: { code, message: `${code} from the fake gateway` } }, ...(headers ? { headers } : {}) });
