/**
 * The one seam between the proxy and an upstream. The proxy builds the request body, calls
 * `send`, and reads the answer as bytes; a real upstream (undici) and the built-in demo both sit
 * behind it, so the demo exercises the same relay, timeout, cut and audit code as a real server.
 */
import { readFile } from 'node:fs/promises';
import { Pool, type Dispatcher } from 'undici';
import type { OpenAiUpstreamConfig } from './upstream-config.js';
import { finishCall, markCall } from '../server/call-timing.js';
import type { StopSignal } from './call-stop.js';

export interface UpstreamRequest {
  /** `chat/completions` (relative to the upstream's base URL). */
  path: 'chat/completions';
  /** The JSON body the gateway built (never the client's bytes). */
  body: string;
  /** Stops the request (an AbortSignal, or the call's lighter CallStop). */
  signal: StopSignal;
  /**
   * Called once the request has been written to the upstream's connection (at most once; never
   * when it is not written), so the caller can do its own work while the upstream does its.
   */
  onSent?: () => void;
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

/** The error an upstream request ends with when its signal aborts: the abort reason when it is one. */
function abortError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error('upstream request aborted');
}

/** Upstream bytes queued before undici is told to stop reading the socket (backpressure). */
const BODY_HIGH_WATER = 64 * 1024;

/**
 * One upstream call on undici's dispatch API: the response body is handed over from undici's
 * callbacks through a small queue instead of a Readable stream and its async iterator, whose
 * machinery cost more per call than the relay itself. Backpressure is undici's: the socket is
 * paused while more than BODY_HIGH_WATER bytes wait unread. Aborting the signal, or leaving the
 * iteration early, aborts the request (undici closes that connection).
 */
export function dispatchUpstream(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, signal: StopSignal, onSent?: () => void): Promise<UpstreamResponse> {
  return new Promise<UpstreamResponse>((resolveResponse, rejectResponse) => {
    let controller: Dispatcher.DispatchController | null = null;
    let started = false;
    let finished = false;
    let failure: Error | null = null;
    const queue: Buffer[] = [];
    let queued = 0;
    let waiter: { resolve(result: IteratorResult<Uint8Array>): void; reject(error: Error): void } | null = null;

    const abort = (reason: unknown): void => {
      const error = abortError(reason);
      if (controller && !finished && !controller.aborted) controller.abort(error);
      fail(error);
    };
    const onAbort = (): void => abort(signal.reason);
    function settle(): void {
      finished = true;
      signal.removeEventListener('abort', onAbort);
    }
    function fail(error: Error): void {
      if (failure || (finished && queue.length === 0 && !waiter)) return;
      failure = error;
      settle();
      if (!started) rejectResponse(error);
      const w = waiter;
      waiter = null;
      w?.reject(error);
    }

    function take(): Uint8Array {
      const chunk = queue.length === 1 ? queue[0]! : Buffer.concat(queue, queued);
      queue.length = 0;
      queued = 0;
      if (controller?.paused && !finished) controller.resume();
      return chunk;
    }

    const body: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]() {
        return {
          next(): Promise<IteratorResult<Uint8Array>> {
            if (queue.length > 0) return Promise.resolve({ value: take(), done: false });
            if (failure) return Promise.reject(failure);
            if (finished) return Promise.resolve({ value: undefined, done: true });
            return new Promise((resolve, reject) => (waiter = { resolve, reject }));
          },
          return(): Promise<IteratorResult<Uint8Array>> {
            if (!finished) abort(new Error('the upstream answer was not read to its end'));
            queue.length = 0;
            return Promise.resolve({ value: undefined, done: true });
          },
        };
      },
    };

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        markCall(signal, 'upstream request start');
        controller = c;
        if (signal.aborted) c.abort(abortError(signal.reason));
        // undici writes the request right after this call, in the same synchronous stretch (and
        // only in a later event-loop turn for a kept-alive connection that sat idle: it first
        // reads whatever the upstream sent unasked); a microtask runs after that write.
        else if (onSent) queueMicrotask(onSent);
      },
      onResponseStart(_c, statusCode, headers) {
        if (statusCode < 200) return;
        markCall(signal, 'upstream response start');
        finishCall(signal);
        started = true;
        const type = headers['content-type'];
        resolveResponse({ status: statusCode, contentType: (Array.isArray(type) ? type[0] : type) ?? '', body });
      },
      onResponseData(c, chunk) {
        if (finished) return;
        const w = waiter;
        if (w) {
          waiter = null;
          w.resolve({ value: chunk, done: false });
          return;
        }
        queue.push(chunk);
        queued += chunk.length;
        if (queued > BODY_HIGH_WATER) c.pause();
      },
      onResponseEnd() {
        settle();
        const w = waiter;
        waiter = null;
        w?.resolve({ value: undefined, done: true });
      },
      onResponseError(_c, error) {
        fail(error);
      },
    };

    if (signal.aborted) {
      rejectResponse(abortError(signal.reason));
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    markCall(signal, 'upstream dispatch');
    dispatcher.dispatch(options, handler);
    markCall(signal, 'upstream dispatched');
  });
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
    send(request) {
      return dispatchUpstream(pool, { origin: base.origin, path: `${prefix}/${request.path}`, method: 'POST', headers, body: request.body }, request.signal, request.onSent);
    },
    async close() {
      await pool.close();
    },
  };
}
