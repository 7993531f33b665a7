/**
 * One `POST /v1/chat/completions`, from a parsed request to the audit entry. The order is fixed:
 * parse, route the model, admit (limits), register the call in the connection hub, call the
 * upstream, relay, and in every case release the slot, unregister, count tokens and audit.
 *
 * A call ends for one of four reasons, decided once (first wins) and acted on in one place:
 * the upstream finished or failed, the upstream stalled, an admin cut the device, or the client
 * went away. Each one aborts the upstream request through the same CallStop (call-stop.ts).
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AirlockError, ERRORS, type ErrorCode, type LockNotice } from '../../protocol/errors.js';
import { usage as usageSchema, type ChatCompletionRequest } from '../../protocol/schemas/chat.js';
import { chatRequestFast } from './chat-body-fast-path.js';
import type { Policy } from '../../protocol/schemas/policy.js';
import type { AuthenticatedDevice } from '../auth/dpop-auth.js';
import type { ConnectionHub, CutCode } from '../live/connection-hub.js';
import { lockedMessage } from '../locks/lock-rules.js';
import type { Admission, ModelLimits } from '../limits/model-limits.js';
import { SSE_HEADERS, sseEvent } from '../events/sse.js';
import type { ModelCatalog, RoutedModel } from './catalog.js';
import type { CallOutcome, ModelAuditSink, ModelStartSink } from './call-audit.js';
import { asAirlockError, describeFirstIssue, replyError } from './reply-error.js';
import { createStallTimer } from './stall-timer.js';
import { countTokens, createStreamRelay } from './stream-relay.js';
import type { UpstreamResponse } from './transport.js';
import { CallStop } from './call-stop.js';
import { finishCall, markCall } from '../server/call-timing.js';

/** A non-streamed answer larger than this is refused as an upstream error. */
const MAX_JSON_ANSWER_BYTES = 16 * 1024 * 1024;
/** How long a client may leave a streamed answer unread before the call is ended as cancelled. */
const CLIENT_DRAIN_TIMEOUT_MS = 60_000;
/** How much of an upstream error body is read (and discarded) before answering. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** The caller, as the DPoP auth hook sets it on `request.device`. */
export type DeviceIdentity = AuthenticatedDevice;

export interface ChatDeps {
  catalog: ModelCatalog;
  limits: ModelLimits;
  hub: ConnectionHub;
  policy: () => Policy;
  audit: ModelAuditSink;
  /** Records a call's start; the answer waits until it is written (not the upstream request). */
  auditStart?: ModelStartSink;
  /** Milliseconds since the epoch. */
  now: () => number;
  log: { warn(details: object, message: string): void };
  /** The gateway's opaque, stable id for a tester, sent upstream as `user`. */
  upstreamUserOf: (tester: string) => string;
  /**
   * Re-checks the device after it is registered in the hub: a revocation that landed between
   * authentication and registration found nothing to cut, so the call must see it here.
   */
  stillActive?: (device: DeviceIdentity) => Promise<boolean>;
  /**
   * Hands the answer text the relay saw to leak tracing (gateway/tracing/) after the response has
   * finished; it returns at once and fingerprints later. Absent: no text is collected for it.
   */
  traceAnswer?: (call: { callId: string; tester: string; deviceId: string; model: string }, text: string) => void;
}

type Stop =
  | { kind: 'cut'; code: CutCode; reason: string; lock?: LockNotice | undefined }
  | { kind: 'timeout' }
  | { kind: 'client' }
  | { kind: 'budget'; perDay: number }
  | { kind: 'upstream'; error: AirlockError };

/** The error a stop gives the client (none for a client that left). */
function stopError(stop: Stop): AirlockError | null {
  switch (stop.kind) {
    case 'cut':
      if (stop.lock) return new AirlockError('device_locked', lockedMessage(stop.lock), { lock: stop.lock });
      return new AirlockError(stop.code, `${ERRORS[stop.code].message} Reason: ${stop.reason}`);
    case 'timeout':
      return new AirlockError('upstream_timeout');
    case 'client':
      return null;
    case 'budget':
      return new AirlockError('rate_limited', `Daily limit of ${stop.perDay} tokens reached during this answer, so it was ended here; the limit resets at midnight UTC.`);
    case 'upstream':
      return stop.error;
  }
}

function outcomeOf(stop: Stop | null): { outcome: CallOutcome; code?: ErrorCode; reason?: string } {
  if (!stop) return { outcome: 'ok' };
  switch (stop.kind) {
    case 'cut':
      return { outcome: 'cut', code: stop.code, reason: stop.reason };
    case 'timeout':
      return { outcome: 'error', code: 'upstream_timeout' };
    case 'client':
      return { outcome: 'cancelled' };
    case 'budget':
      return { outcome: 'error', code: 'rate_limited' };
    case 'upstream':
      return { outcome: 'error', code: stop.error.code };
  }
}

/** Maps an upstream's non-2xx status to what the tester is told; the upstream's own text is never relayed. */
function upstreamStatusError(status: number): AirlockError {
  if (status === 400 || status === 422) return new AirlockError('bad_request', `The model server refused the request (status ${status}). Check the model's limits, such as context length.`);
  return new AirlockError('upstream_error', `The model server answered with status ${status}. Try again later.`);
}

/**
 * What the upstream is sent: the client's request with the upstream's model id, the gateway's own
 * id for the tester as `user` (never the client's value), and max_tokens and its newer name
 * max_completion_tokens, where the client set them, no larger than what is left of the day.
 */
function upstreamBodyOf(request: ChatCompletionRequest, model: RoutedModel, user: string, tokensLeft: number): string {
  const body: ChatCompletionRequest = { ...request, model: model.upstreamId, user };
  const cap = Math.max(1, tokensLeft);
  if (body.max_completion_tokens != null) body.max_completion_tokens = Math.min(body.max_completion_tokens, cap);
  if (body.max_tokens != null) body.max_tokens = Math.min(body.max_tokens, cap);
  // Neither named: left to the upstream's default (some servers, the demo among them, read a
  // max_tokens as the length wanted); a stream is metered and ended at the budget all the same.
  // Usage must be known for the audit and the token budget, whatever the client asked.
  if (request.stream) body.stream_options = { ...(request.stream_options ?? {}), include_usage: true };
  else delete body.stream_options;
  return JSON.stringify(body);
}

export function deviceOf(request: FastifyRequest): DeviceIdentity {
  const device = request.device;
  // The routes are registered only behind the DPoP auth hook; reaching here without a device is a wiring bug.
  if (!device) throw new AirlockError('token_invalid', 'This request was not authenticated.');
  return device;
}

export async function handleChat(deps: ChatDeps, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const device = deviceOf(request);
  markCall(request.raw, 'handleChat');
  const startedAt = deps.now();
  const parsed = chatRequestFast.safeParse(request.body);
  if (!parsed.success) return replyError(reply, new AirlockError('bad_request', `Invalid chat request: ${describeFirstIssue(parsed.error.issues)}`));
  const chat = parsed.data;
  const model = deps.catalog.resolve(chat.model, device.tester);
  if (!model) return replyError(reply, new AirlockError('not_found', `No model "${chat.model}" is available to you; GET /v1/models lists yours.`));

  const policy = deps.policy();
  const base = { type: 'model.call' as const, tester: device.tester, deviceId: device.deviceId, model: model.id, upstream: model.upstream, stream: chat.stream === true };
  let admission: Admission;
  try {
    admission = await deps.limits.admit(device, policy.limits, startedAt);
  } catch (error) {
    const refusal = asAirlockError(error, new AirlockError('rate_limited'));
    await safeAudit(deps, { ...base, promptTokens: 0, completionTokens: 0, usageReported: false, durationMs: 0, outcome: 'error', code: refusal.code });
    return replyError(reply, refusal);
  }

  markCall(request.raw, 'admitted');
  const callId = randomUUID();
  // The start record is written while the upstream works on the request, once the request has
  // gone out (issue 19: it was written before the upstream was asked, which put the SQLite write
  // and the fsync's hand-off, 0.15 to 0.3 ms, in front of every answer), and nothing of the
  // answer is sent before it is written, so no tester sees an answer the audit log has no record
  // of. The request leaves only after authentication, admission and the device's re-check, as
  // before; a gateway killed between the request and the record leaves an upstream request with
  // no start record, and the tester no answer. "Written" is the SQLite store's WAL write(2)
  // without its fsync (Store.appendAuditWritten): the first byte does not wait for a disk flush
  // (0.5 to 15 ms on the build machine). Why no crash loses the call:
  //  - the gateway process dying (kill -9, OOM, a crash of its own, the adversarial case of
  //    issue 12): the record is in the kernel's page cache, which outlives the process, so the
  //    next start finds it and marks the call interrupted (model/call-recovery.ts);
  //  - the whole machine stopping (power, kernel): the group fdatasync asked for with the write
  //    returns within one disk flush, usually before the upstream's first byte; only a machine
  //    that stops inside that flush AND after the first byte left can lose the record, and then
  //    it also loses everything the kernel had not yet sent. The end entry is not reported done
  //    (nor is any later revocation or enrollment, whose fsync'd commit covers the whole WAL)
  //    before the start record is on disk.
  // A PostgreSQL store commits it (durable) first, as before.
  const startEntry = { type: 'model.call.start' as const, callId, tester: device.tester, deviceId: device.deviceId, model: model.id, upstream: model.upstream, stream: chat.stream === true };
  let startWrite: Promise<{ durable: Promise<void> } | null> | null = null;
  /** Writes the start record the first time it is called; the same promise after. */
  const writeStart = (): Promise<{ durable: Promise<void> } | null> => {
    if (!startWrite) {
      startWrite = recordStart(deps, startEntry);
      markCall(request.raw, 'startWritten');
    }
    return startWrite;
  };
  const stopped = new CallStop();
  let stop: Stop | null = null;
  let interrupt: ((reason: unknown) => void) | null = null;
  const end = (why: Stop): void => {
    if (stop) return;
    stop = why;
    stopped.abort();
    interrupt?.(stopped.reason);
  };
  // Every wait below is cut short by a stop, so any stop ends the wait at once whatever the transport does.
  const wait = waitUntilStopped(() => stop !== null, (reject) => (interrupt = reject), stopped);

  let result: { usage: { prompt: number; completion: number }; reported: boolean; text: string | null } = { usage: { prompt: 0, completion: 0 }, reported: false, text: null };
  // reply.sent only turns true when the response ends; this says the answer has begun.
  const answer = { begun: false };
  let unregister: () => void = () => undefined;
  const onClientClose = (): void => {
    if (!reply.raw.writableEnded) end({ kind: 'client' });
  };
  const stall = createStallTimer(() => end({ kind: 'timeout' }));
  // Everything after admission is inside this try: whatever fails, the slot is given back.
  try {
    const upstreamBody = upstreamBodyOf(chat, model, deps.upstreamUserOf(device.tester), admission.tokensLeft);
    const promptEstimate = Math.ceil(upstreamBody.length / 4);
    result.usage.prompt = promptEstimate;
    const withinBudget = (tokensSoFar: number): boolean => {
      if (admission.meter(tokensSoFar)) return true;
      end({ kind: 'budget', perDay: policy.limits.tokensPerDay });
      return false;
    };
    unregister = deps.hub.add({ deviceId: device.deviceId, tester: device.tester, kind: 'stream', cut: (reason, code, lock) => end({ kind: 'cut', code, reason, lock }) });
    reply.raw.on('close', onClientClose);
    if (deps.stillActive && !(await deps.stillActive(device))) end({ kind: 'cut', code: 'device_revoked', reason: 'this device is no longer active' });
    markCall(request.raw, 'stillActive');
    stall.arm(model.timeouts.firstByteMs);

    let upstream: UpstreamResponse | null = null;
    if (!stop) upstream = await wait(model.transport.send({ path: 'chat/completions', body: upstreamBody, signal: stopped, onSent: writeStart })).catch((error: unknown) => {
      if (!stop) end({ kind: 'upstream', error: new AirlockError('upstream_error', undefined, { cause: error }) });
      return null;
    });
    // Written by now when the request went out; else (a transport that does not say, a call
    // stopped before it) now, before anything is answered.
    const startRecorded = writeStart();
    markCall(request.raw, 'upstreamHeaders');
    if (upstream && (upstream.status < 200 || upstream.status > 299)) {
      await readAtMost(upstream.body, MAX_ERROR_BODY_BYTES, wait).catch(() => undefined);
      end({ kind: 'upstream', error: upstreamStatusError(upstream.status) });
    }
    if (upstream && !stop) {
      result = chat.stream
        ? await relayStream(request.raw, upstream, reply, answer, stall, model.timeouts.idleMs, wait, () => stop, end, policy.auditContent || deps.traceAnswer !== undefined, promptEstimate, withinBudget, startRecorded)
        : await relayJson(upstream, reply, answer, wait, end, promptEstimate, startRecorded);
    }
  } catch (error) {
    // Anything unforeseen is an upstream failure from the tester's point of view; the details go to the log only.
    if (!stop) end({ kind: 'upstream', error: new AirlockError('upstream_error') });
    deps.log.warn({ err: error instanceof Error ? error.name : 'unknown' }, 'model call failed');
  } finally {
    // The answer's tokens count against the tester's day from now, not from finish() below, which
    // waits for the response and the start record's flush: the tester can send the next call the
    // moment this answer ends, and its admission must see them (a JSON answer is metered only here).
    admission.meter(result.usage.prompt + result.usage.completion);
    stall.disarm();
    reply.raw.off('close', onClientClose);
    unregister();
    admission.release();
  }

  const finalStop = stop as Stop | null;
  if (!answer.begun && finalStop) {
    const error = stopError(finalStop);
    if (error) replyError(reply, error);
  }
  const durationMs = deps.now() - startedAt;
  // Counting and auditing wait for the response to finish, so none of their work (the audit's
  // fsync runs on libuv's thread pool, see gateway/audit/wal-sync.ts) delays the answer.
  await responseDone(reply);
  markCall(request.raw, 'responseDone');
  const start = await writeStart();
  if (start) {
    try {
      await start.durable;
    } catch (error) {
      deps.log.warn({ err: error instanceof Error ? error.message : 'unknown' }, 'model call start not flushed to disk');
    }
  }
  markCall(request.raw, 'startDurable');
  const tokens = result.usage;
  try {
    await admission.finish(tokens.prompt + tokens.completion, deps.now());
  } catch (error) {
    deps.log.warn({ err: error instanceof Error ? error.message : 'unknown' }, 'token usage not recorded');
  }
  await safeAudit(deps, {
    ...base,
    callId,
    promptTokens: tokens.prompt,
    completionTokens: tokens.completion,
    usageReported: result.reported,
    durationMs,
    ...outcomeOf(finalStop),
    ...(policy.auditContent ? { content: { messages: chat.messages, completion: result.text } } : {}),
  });
  markCall(request.raw, 'endAudited');
  finishCall(request.raw);
  if (result.text) deps.traceAnswer?.({ callId, tester: device.tester, deviceId: device.deviceId, model: model.id }, result.text);
  return reply;
}

/** `promise`, or a rejection as soon as the call stops. */
type Wait = <T>(promise: Promise<T>) => Promise<T>;

/**
 * Waits of one call, one at a time, each cut short by a stop. The stop rejects the pending wait
 * directly (`setInterrupt`), instead of every wait adding and removing an abort listener.
 */
function waitUntilStopped(isStopped: () => boolean, setInterrupt: (reject: ((reason: unknown) => void) | null) => void, signal: CallStop): Wait {
  return <T>(promise: Promise<T>): Promise<T> => {
    if (isStopped()) {
      promise.catch(() => undefined);
      return Promise.reject(signal.reason);
    }
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const interrupt = (reason: unknown): void => {
        if (settled) return;
        settled = true;
        reject(reason);
      };
      setInterrupt(interrupt);
      promise.then(
        (value) => {
          if (settled) return;
          settled = true;
          setInterrupt(null);
          resolve(value);
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          setInterrupt(null);
          reject(error);
        },
      );
    });
  };
}

function responseDone(reply: FastifyReply): Promise<void> {
  const res = reply.raw;
  if (res.writableFinished || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('finish', done);
      res.off('close', done);
      resolve();
    };
    res.on('finish', done);
    res.on('close', done);
  });
}

/** The start record; a failure to write it is logged and does not stop the call (as for the end record). */
async function recordStart(deps: ChatDeps, entry: Parameters<ModelStartSink>[0]): Promise<{ durable: Promise<void> } | null> {
  try {
    return (await deps.auditStart?.(entry)) ?? null;
  } catch (error) {
    deps.log.warn({ err: error instanceof Error ? error.message : 'unknown' }, 'model call start not audited');
    return null;
  }
}

async function safeAudit(deps: ChatDeps, entry: Parameters<ModelAuditSink>[0]): Promise<void> {
  try {
    await deps.audit(entry);
  } catch (error) {
    deps.log.warn({ err: error instanceof Error ? error.message : 'unknown' }, 'model call not audited');
  }
}

async function readAtMost(body: AsyncIterable<Uint8Array>, limit: number, wait: Wait): Promise<Uint8Array[] | null> {
  const parts: Uint8Array[] = [];
  let size = 0;
  const it = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await wait(it.next());
      if (next.done) return parts;
      size += next.value.byteLength;
      if (size > limit) return null;
      parts.push(next.value);
    }
  } finally {
    void it.return?.()?.catch?.(() => undefined);
  }
}

async function relayJson(upstream: UpstreamResponse, reply: FastifyReply, answer: { begun: boolean }, wait: Wait, end: (stop: Stop) => void, promptEstimate: number, startRecorded: Promise<unknown>) {
  const parts = await readAtMost(upstream.body, MAX_JSON_ANSWER_BYTES, wait);
  const fail = (message: string) => {
    end({ kind: 'upstream', error: new AirlockError('upstream_error', message) });
    return { usage: { prompt: promptEstimate, completion: 0 }, reported: false, text: null };
  };
  if (!parts) return fail('The model server sent an answer that is too large.');
  const text = Buffer.concat(parts).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail('The model server sent an answer that is not JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail('The model server sent an answer that is not a chat completion.');
  const record = parsed as { usage?: unknown; choices?: Array<{ message?: { content?: unknown } }> };
  const usage = usageSchema.safeParse(record.usage);
  const content = record.choices?.[0]?.message?.content;
  await wait(startRecorded);
  answer.begun = true;
  reply.code(200).header('content-type', 'application/json; charset=utf-8').send(text);
  return {
    usage: usage.success ? { prompt: usage.data.prompt_tokens, completion: usage.data.completion_tokens } : { prompt: promptEstimate, completion: typeof content === 'string' ? Math.ceil(content.length / 4) : 0 },
    reported: usage.success,
    text: typeof content === 'string' ? content : null,
  };
}

async function relayStream(
  raw: object,
  upstream: UpstreamResponse,
  reply: FastifyReply,
  answer: { begun: boolean },
  stall: ReturnType<typeof createStallTimer>,
  idleMs: number,
  wait: Wait,
  currentStop: () => Stop | null,
  end: (stop: Stop) => void,
  collectText: boolean,
  promptEstimate: number,
  withinBudget: (tokensSoFar: number) => boolean,
  startRecorded: Promise<unknown>,
) {
  const relay = createStreamRelay({ collectText });
  const it = upstream.body[Symbol.asyncIterator]();
  // Written straight to the socket's response (fastify steps aside): no stream in between, and
  // the last events go out with the end of the chunked body in one write.
  const out = reply.raw;
  const summary = () => {
    const tokens = countTokens(relay.state, promptEstimate);
    return { usage: tokens, reported: relay.state.usage !== null, text: relay.state.text };
  };
  try {
    // Nothing is sent to the client until the upstream has produced a first event, so that a
    // failure or stall before it can still be a plain 502/504 answer.
    let pending = '';
    while (!pending) {
      const next = await wait(it.next());
      if (next.done) {
        pending = relay.end();
        break;
      }
      pending = relay.feed(next.value);
      if (relay.state.failure) break;
    }
    markCall(raw, 'firstEvent');
    if (relay.state.failure || !pending) {
      end({ kind: 'upstream', error: new AirlockError('upstream_error', 'The model server sent no answer or a malformed stream. Try again later.') });
      return summary();
    }
    await wait(startRecorded);
    markCall(raw, 'startAwaited');
    answer.begun = true;
    reply.hijack();
    // Headers set on the reply so far (the auth hook's DPoP-Nonce) go out with the stream's own.
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) out.setHeader(name, value);
    out.writeHead(200, SSE_HEADERS);
    markCall(raw, 'headers');
    stall.arm(idleMs);
    // What is written in one turn of the event loop leaves in one TLS write: the socket is corked
    // at a turn's first write and uncorked after the turn's I/O (setImmediate). An upstream whose
    // last events and end arrive together (the usual short answer) so costs one write(2) and one
    // TLS record instead of two; a chunk waits at most for the rest of its turn.
    let corked = false;
    const uncork = (): void => {
      corked = false;
      // end() flushes whatever is corked; after it the response has let go of the socket.
      if (!out.writableEnded) out.uncork();
    };
    const send = (text: string): boolean => {
      if (!corked) {
        corked = true;
        out.cork();
        setImmediate(uncork);
      }
      return out.write(text);
    };
    let done = false;
    while (!done) {
      if (pending) {
        if (!send(pending)) {
          stall.disarm();
          // A client that stops reading would otherwise hold its slot and the upstream forever.
          const giveUp = setTimeout(() => end({ kind: 'client' }), CLIENT_DRAIN_TIMEOUT_MS);
          try {
            // A stop rejects the wait; the listeners go with the response, which the stop ends.
            await wait(once(out, 'drain'));
          } finally {
            clearTimeout(giveUp);
          }
          stall.arm(idleMs);
        }
        pending = '';
      }
      const next = await wait(it.next());
      if (next.done) {
        pending = relay.end();
        done = true;
      } else {
        stall.touch();
        pending = relay.feed(next.value);
        // The budget is metered as the answer streams (the upstream's usage, else one token a content chunk).
        const tokens = countTokens(relay.state, promptEstimate);
        withinBudget(tokens.prompt + tokens.completion);
      }
      if (relay.state.failure) throw new AirlockError('upstream_error', 'The model server sent a malformed stream.');
    }
    out.end(pending);
    markCall(raw, 'ended');
    return summary();
  } catch (error) {
    let stop = currentStop();
    // A stall after the upstream already said [DONE] is an upstream that did not close: the answer is complete.
    if (stop?.kind === 'timeout' && relay.state.done) {
      if (!out.writableEnded) out.end();
      return summary();
    }
    if (!stop) {
      end({ kind: 'upstream', error: error instanceof AirlockError ? error : new AirlockError('upstream_error', 'The model server connection failed mid-answer. Try again later.') });
      stop = currentStop();
    }
    const failure = stop ? stopError(stop) : null;
    if (answer.begun && !out.destroyed) {
      if (failure) out.end(sseEvent('error', { error: { code: failure.code, message: failure.message, ...(failure.lock ? { lock: failure.lock } : {}) } }));
      else out.destroy();
    }
    return summary();
  } finally {
    void Promise.resolve(it.return?.()).catch(() => undefined);
  }
}
