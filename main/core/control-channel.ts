import { AirlockError, isAirlockError, type LockNotice } from '../../protocol/errors.js';
import { controlEvent } from '../../protocol/schemas/events.js';
import type { ClientPolicy } from '../../protocol/schemas/policy.js';
import { ClientError, isRevokingCode } from './errors.js';
import { jsonOrUndefined } from './json.js';
import type { Clock, Logger } from './ports.js';
import type { Session } from './session/session.js';
import { sseEvents } from './sse.js';

export interface ControlChannelDeps {
  session: Session;
  clock: Clock;
  random: () => number;
  logger: Logger;
  onPolicy(policy: ClientPolicy): void;
  onRevoked(reason: string): void;
  /** An admin locked this device for now (`locked`, issue 13); the channel ends until the lock does. */
  onLocked?(lock: LockNotice): void;
  onConnected(connected: boolean): void;
  /** A failure that must not be retried (an untrusted gateway, a TPM that cannot sign). */
  onFatal(error: AirlockError | ClientError): void;
  backoff?: { initialMs: number; maxMs: number };
  /**
   * A channel silent this long is taken for dead (a half-open connection after sleep or a network
   * change would otherwise hide a revocation) and reopened. Default 45 s: three missed heartbeats.
   */
  silenceMs?: number;
}

export interface ControlChannel {
  start(): void;
  stop(): void;
}

/** Full jitter: a random wait up to the capped exponential, so many apps do not return in step. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number): number {
  const cap = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20));
  return Math.max(initialMs / 2, Math.floor(random() * cap));
}

/**
 * `GET /v1/events`, kept open: `policy` updates the app, `revoked` ends it, `locked` pauses it
 * (the client reopens it when the lock ends). A dropped channel comes back with backoff; a
 * revoking or locking answer or an untrusted gateway stops it.
 */
export function createControlChannel(deps: ControlChannelDeps): ControlChannel {
  const { initialMs, maxMs } = deps.backoff ?? { initialMs: 250, maxMs: 30_000 };
  let abort: AbortController | null = null;
  let running = false;
  let wake: { cancel(): void } | null = null;

  const silenceMs = deps.silenceMs ?? 45_000;

  async function listenOnce(controller: AbortController): Promise<'revoked' | 'locked' | 'ended'> {
    const response = await deps.session.call({ method: 'GET', path: '/v1/events', headers: { accept: 'text/event-stream' }, signal: controller.signal });
    deps.onConnected(true);
    let watchdog: { cancel(): void } = { cancel: () => undefined };
    const arm = (): void => {
      watchdog.cancel();
      watchdog = deps.clock.setTimeout(() => {
        deps.logger.warn('control: no heartbeat; reopening the channel', { silenceMs });
        controller.abort();
      }, silenceMs);
    };
    arm();
    try {
      for await (const message of sseEvents(response.body, 256 * 1024)) {
        arm();
        const event = controlEvent.safeParse({ event: message.event ?? 'message', data: jsonOrUndefined(message.data) });
        if (!event.success) {
          deps.logger.warn('control: ignoring an event that is not in the protocol', { event: message.event });
          continue;
        }
        if (event.data.event === 'policy') deps.onPolicy(event.data.data);
        if (event.data.event === 'revoked') {
          deps.onRevoked(event.data.data.reason);
          return 'revoked';
        }
        if (event.data.event === 'locked') {
          deps.onLocked?.(event.data.data);
          return 'locked';
        }
      }
      return 'ended';
    } finally {
      watchdog.cancel();
      deps.onConnected(false);
    }
  }

  async function loop(): Promise<void> {
    let attempt = 0;
    while (running) {
      const controller = new AbortController();
      abort = controller;
      try {
        if ((await listenOnce(controller)) !== 'ended') {
          running = false;
          return;
        }
        attempt = 0;
      } catch (error) {
        if (!running) return;
        if (error instanceof ClientError && error.code === 'tpm_unavailable') {
          // The TPM holding the device key cannot sign a session: retrying will not help until the
          // tester does what the message says (and restarts the app).
          running = false;
          deps.onFatal(error);
          return;
        }
        if (isAirlockError(error) && (isRevokingCode(error.code) || error.code === 'connection_not_trusted' || error.code === 'device_locked')) {
          // A revoking or locking answer already reached the session's onRevoked / onLocked; an untrusted gateway is never retried.
          running = false;
          if (error.code === 'connection_not_trusted') deps.onFatal(error);
          return;
        }
        deps.logger.warn('control: channel dropped; reconnecting', { attempt, error });
      }
      if (!running) return;
      const delay = backoffDelay(attempt++, initialMs, maxMs, deps.random);
      await new Promise<void>((resolve) => {
        const timer = deps.clock.setTimeout(resolve, delay);
        wake = {
          cancel() {
            timer.cancel();
            resolve();
          },
        };
      });
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      void loop();
    },
    stop() {
      running = false;
      wake?.cancel();
      abort?.abort();
    },
  };
}
