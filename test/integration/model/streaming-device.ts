/**
 * Streaming calls for a test device over the pinned client: the helpers in test/helpers read whole
 * bodies, while these tests must watch a stream event by event, cut it, or walk away from it.
 * Also a `fetch` for the official openai client that signs a DPoP proof per request.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { fetch as undiciFetch, request } from 'undici';
import type { TestDevice } from '../../helpers/pinned-client.js';

export interface OpenStream {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The next SSE event, or null when the stream ended. */
  next(): Promise<EventSourceMessage | null>;
  /** Every remaining event until the end. */
  rest(): Promise<EventSourceMessage[]>;
  /** The whole body when it is not a stream (an error answer). */
  text(): Promise<string>;
  abort(): void;
}

/** A DPoP-authenticated request whose body is read as SSE, retrying once on use_dpop_nonce. */
export async function openStream(device: TestDevice, method: 'GET' | 'POST', path: string, body?: unknown): Promise<OpenStream> {
  const attempt = async () => {
    const controller = new AbortController();
    const token = device.accessToken!;
    const dpop = await device.proof(method, path, { accessToken: token });
    const response = await request(`${device.client.origin}${path}`, {
      method,
      dispatcher: device.client.agent,
      signal: controller.signal,
      headers: { authorization: `DPoP ${token}`, dpop, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const nonce = response.headers['dpop-nonce'];
    if (typeof nonce === 'string') device.nonce = nonce;
    return { response, controller };
  };
  let { response, controller } = await attempt();
  if (response.statusCode === 401) {
    const text = await response.body.text();
    if (!text.includes('use_dpop_nonce')) return errorStream(response.statusCode, response.headers, text);
    ({ response, controller } = await attempt());
  }
  if (response.statusCode !== 200 || !String(response.headers['content-type']).startsWith('text/event-stream')) {
    return errorStream(response.statusCode, response.headers, await response.body.text());
  }
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => void queue.push(e) });
  const decoder = new TextDecoder();
  const iterator = response.body[Symbol.asyncIterator]();
  let ended = false;
  const next = async (): Promise<EventSourceMessage | null> => {
    while (queue.length === 0 && !ended) {
      const chunk = await iterator.next().catch(() => ({ done: true as const, value: undefined }));
      if (chunk.done) ended = true;
      else parser.feed(decoder.decode(chunk.value as Buffer, { stream: true }));
    }
    return queue.shift() ?? null;
  };
  return {
    status: 200,
    headers: response.headers,
    next,
    async rest() {
      const out: EventSourceMessage[] = [];
      for (let e = await next(); e; e = await next()) out.push(e);
      return out;
    },
    text: async () => '',
    abort: () => controller.abort(),
  };
}

function errorStream(status: number, headers: Record<string, string | string[] | undefined>, body: string): OpenStream {
  return { status, headers, next: async () => null, rest: async () => [], text: async () => body, abort: () => undefined };
}

/** A fetch for the openai client: replaces its Bearer header with the device's DPoP token and proof. */
export function dpopFetch(device: TestDevice): typeof globalThis.fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const method = (init?.method ?? 'GET').toUpperCase() as 'GET' | 'POST';
    const attempt = async () => {
      const headers = new Headers(init?.headers);
      const token = device.accessToken!;
      headers.set('authorization', `DPoP ${token}`);
      headers.set('dpop', await device.proof(method, url.pathname, { accessToken: token }));
      const response = await undiciFetch(url, { ...(init as object), method, headers, dispatcher: device.client.agent } as unknown as Parameters<typeof undiciFetch>[1]);
      const nonce = response.headers.get('dpop-nonce');
      if (nonce) device.nonce = nonce;
      return response;
    };
    let response = await attempt();
    if (response.status === 401 && response.headers.get('www-authenticate')?.includes('use_dpop_nonce')) response = await attempt();
    return response as unknown as Response;
  }) as typeof globalThis.fetch;
}
