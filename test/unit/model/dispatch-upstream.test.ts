/**
 * dispatchUpstream: the gateway's own body queue over undici's dispatch API. It replaces a
 * Readable stream, so what a Readable gave for free is checked here against a real loopback
 * server: order and completeness, backpressure on the upstream socket, an abort before and during
 * the call, a consumer that leaves early, and an upstream that dies mid-body.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { dispatchUpstream } from '../../../gateway/model/transport.js';
import { CallStop, type StopSignal } from '../../../gateway/model/call-stop.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Upstream {
  pool: Pool;
  origin: string;
  requests: number;
  /** Resolves when the server sees its current request's connection close. */
  closed: Promise<void>;
}

const servers: Server[] = [];
const pools: Pool[] = [];

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.destroy()));
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function upstream(handler: Handler): Promise<Upstream> {
  let markClosed: () => void = () => undefined;
  const state: Upstream = { pool: undefined as unknown as Pool, origin: '', requests: 0, closed: new Promise((r) => (markClosed = r)) };
  const server = createServer((req, res) => {
    state.requests++;
    res.on('close', () => markClosed());
    handler(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  state.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.pool = new Pool(state.origin, { connections: 1 });
  pools.push(state.pool);
  return state;
}

/** The two kinds of stop a transport is given: an AbortSignal, and the model call's CallStop. */
const STOPS: Array<[string, () => { signal: StopSignal; abort(reason: unknown): void }]> = [
  ['an AbortSignal', () => new AbortController()],
  ['a CallStop', () => {
    const stop = new CallStop();
    return { signal: stop, abort: (reason: unknown) => stop.abort(reason) };
  }],
];

function call(up: Upstream, signal: StopSignal, onSent?: () => void) {
  return dispatchUpstream(up.pool, { origin: up.origin, path: '/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, signal, onSent);
}

async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

describe('dispatchUpstream', () => {
  it('says once that the request went out, before its answer, also on a kept-alive connection reused after idling', async () => {
    const up = await upstream((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    for (let i = 0; i < 3; i++) {
      const events: string[] = [];
      const response = await call(up, new AbortController().signal, () => events.push('sent'));
      events.push('answered');
      await readAll(response.body);
      expect(events).toEqual(['sent', 'answered']);
      // Idle for a while: undici checks a reused idle connection in a later turn before writing.
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(up.requests).toBe(3);
  });

  it.each(STOPS)('does not say the request went out when it was aborted before (%s)', async (_kind, makeStop) => {
    const up = await upstream((_req, res) => res.end('{}'));
    const controller = makeStop();
    controller.abort(new Error('stopped'));
    let sent = false;
    await expect(call(up, controller.signal, () => (sent = true))).rejects.toThrow('stopped');
    expect(sent).toBe(false);
    expect(up.requests).toBe(0);
  });

  it('hands over status, content type and every byte in order, then ends', async () => {
    const up = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let i = 0;
      const timer = setInterval(() => {
        res.write(`data: ${i}\n\n`);
        if (++i === 20) {
          clearInterval(timer);
          res.end();
        }
      }, 1);
    });
    const response = await call(up, new AbortController().signal);
    expect(response.status).toBe(200);
    expect(response.contentType).toBe('text/event-stream');
    const text = (await readAll(response.body)).toString();
    expect(text).toBe(Array.from({ length: 20 }, (_, i) => `data: ${i}\n\n`).join(''));
  });

  it('stops reading the upstream socket while the consumer does not read, and loses nothing', async () => {
    const total = 8 * 1024 * 1024;
    const piece = Buffer.alloc(64 * 1024, 'x');
    let written = 0;
    let blocked = false;
    const up = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const pump = (): void => {
        while (written < total) {
          written += piece.length;
          if (!res.write(piece)) {
            blocked = true;
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    const response = await call(up, new AbortController().signal);
    await new Promise((r) => setTimeout(r, 300));
    // Nothing read yet: the server cannot have pushed it all through (socket buffers are far
    // smaller than 8 MiB), so it is waiting for 'drain'.
    expect(blocked).toBe(true);
    expect(written).toBeLessThan(total);
    expect((await readAll(response.body)).length).toBe(total);
  });

  it.each(STOPS)('never sends a request whose signal is already aborted (%s)', async (_kind, makeStop) => {
    const up = await upstream((_req, res) => res.end('{}'));
    const controller = makeStop();
    controller.abort(new Error('client gone'));
    await expect(call(up, controller.signal)).rejects.toThrow('client gone');
    await new Promise((r) => setTimeout(r, 50));
    expect(up.requests).toBe(0);
  });

  it.each(STOPS)('rejects and ends the upstream request when aborted before the answer starts (%s)', async (_kind, makeStop) => {
    const up = await upstream(() => undefined); // never answers
    const controller = makeStop();
    const pending = call(up, controller.signal);
    while (up.requests === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort(new Error('stalled'));
    await expect(pending).rejects.toThrow('stalled');
    await up.closed;
  });

  it.each(STOPS)('ends the upstream request when aborted mid-body; the reader gets the abort (%s)', async (_kind, makeStop) => {
    const up = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n'); // then holds the stream open
    });
    const controller = makeStop();
    const response = await call(up, controller.signal);
    const iterator = response.body[Symbol.asyncIterator]();
    expect(Buffer.from((await iterator.next()).value as Uint8Array).toString()).toBe('data: first\n\n');
    const next = iterator.next();
    controller.abort(new Error('device revoked'));
    await expect(next).rejects.toThrow('device revoked');
    await up.closed;
  });

  it('ends the upstream request when the consumer leaves early', async () => {
    const up = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => res.write('data: more\n\n'), 2);
      res.on('close', () => clearInterval(timer));
    });
    const response = await call(up, new AbortController().signal);
    for await (const chunk of response.body) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    await up.closed;
  });

  it('fails the reader when the upstream dies mid-body', async () => {
    const up = await upstream((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: partial\n\n', () => setTimeout(() => req.socket.destroy(), 20));
    });
    const response = await call(up, new AbortController().signal);
    await expect(readAll(response.body)).rejects.toThrow();
  });
});
