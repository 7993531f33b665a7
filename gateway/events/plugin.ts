/**
 * `GET /v1/events`, the control channel: a heartbeat at once and then every `heartbeatMs`,
 * `policy` when the policy changes, and `revoked` with the reason when an admin cuts the device
 * or its tester, after which the stream ends. Every channel is registered in the connection hub.
 */
import { PassThrough } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { AirlockError } from '../../protocol/errors.js';
import type { Policy } from '../../protocol/schemas/policy.js';
import type { ConnectionHub } from '../live/connection-hub.js';
import { deviceOf, type DeviceIdentity } from '../model/chat-call.js';
import { replyError } from '../model/reply-error.js';
import { createEventChannels } from './channels.js';
import { SSE_HEADERS, sseEvent } from './sse.js';

export const DEFAULT_HEARTBEAT_MS = 15_000;
/** A dropped channel is noticed at the next heartbeat write at the latest. */
const CHANNEL_RETRY_AFTER_SECONDS = 15;

export interface EventsDeps {
  hub: ConnectionHub;
  /** Subscribes to policy changes; returns an unsubscribe function. */
  onPolicyChange: (listener: (policy: Policy) => void) => (() => void) | void;
  heartbeatMs: number;
  /** How many channels one device may hold open (the policy's `limits.eventChannelsPerDevice`). */
  channelsPerDevice: () => number;
  now: () => number;
  /** Re-checks the device once registered, so a revocation racing the connection is not missed. */
  stillActive?: (device: DeviceIdentity) => Promise<boolean>;
}

export const eventsRoutes: FastifyPluginAsync<{ deps: EventsDeps }> = async (app, { deps }) => {
  const channels = createEventChannels({ heartbeatMs: deps.heartbeatMs, now: deps.now });
  const unsubscribe = deps.onPolicyChange((policy) => channels.broadcastPolicy(policy));
  app.addHook('onClose', async () => {
    if (typeof unsubscribe === 'function') unsubscribe();
    channels.close();
  });

  app.get('/v1/events', async (request, reply) => {
    const device = deviceOf(request);
    // Each channel holds a socket and ~40 KiB: one device must not be able to exhaust the instance.
    const max = deps.channelsPerDevice();
    if (deps.hub.count({ deviceId: device.deviceId, kind: 'events' }) >= max) {
      return replyError(reply, new AirlockError('rate_limited', `This device already has ${max} open event channels. Close one, or wait for the old one to time out.`, { retryAfter: CHANNEL_RETRY_AFTER_SECONDS }));
    }
    const out = new PassThrough();
    let closed = false;
    const sink = {
      write: (text: string) => !closed && out.write(text),
      queued: () => out.writableLength,
      end(last?: string) {
        if (closed) return;
        closed = true;
        out.end(last);
      },
    };
    const leave = channels.open(sink);
    const connection = {
      deviceId: device.deviceId,
      tester: device.tester,
      kind: 'events' as const,
      cut(reason: string) {
        leave();
        sink.end(sseEvent('revoked', { reason }));
      },
    };
    const unregister = deps.hub.add(connection);
    reply.raw.on('close', () => {
      closed = true;
      leave();
      unregister();
    });
    out.write(sseEvent('heartbeat', { at: Math.floor(deps.now() / 1000) }));
    if (deps.stillActive && !(await deps.stillActive(device))) {
      unregister();
      connection.cut('this device is no longer active');
    }
    return reply.code(200).headers(SSE_HEADERS).send(out);
  });
};
