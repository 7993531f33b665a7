/**
 * `GET /v1/events`, the control channel: a heartbeat at once and then every `heartbeatMs`,
 * `policy` when the policy changes, and `revoked` with the reason when an admin cuts the device
 * or its tester (`locked` with the lock's notice when an admin locks it), after which the stream ends. Every channel is registered in the connection hub.
 */
import { PassThrough } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import type { Policy } from '../../protocol/schemas/policy.js';
import type { LockNotice } from '../../protocol/errors.js';
import type { ConnectionHub, CutCode } from '../live/connection-hub.js';
import { deviceOf, type DeviceIdentity } from '../model/chat-call.js';
import { createEventChannels } from './channels.js';
import { SSE_HEADERS, sseEvent } from './sse.js';

export const DEFAULT_HEARTBEAT_MS = 15_000;

export interface EventsDeps {
  hub: ConnectionHub;
  /** Subscribes to policy changes; returns an unsubscribe function. */
  onPolicyChange: (listener: (policy: Policy) => void) => (() => void) | void;
  heartbeatMs: number;
  /** How many channels one device may hold open (the policy's `limits.eventChannelsPerDevice`); a new one ends the oldest. */
  channelsPerDevice: () => number;
  now: () => number;
  /** Re-checks the device once registered, so a revocation racing the connection is not missed. */
  stillActive?: (device: DeviceIdentity) => Promise<boolean>;
}

export const eventsRoutes: FastifyPluginAsync<{ deps: EventsDeps }> = async (app, { deps }) => {
  const channels = createEventChannels({ heartbeatMs: deps.heartbeatMs, now: deps.now });
  const unsubscribe = deps.onPolicyChange((policy) => channels.broadcastPolicy(policy));
  // Each device's open channels, oldest first, as functions that end them quietly.
  const openByDevice = new Map<string, Set<() => void>>();
  app.addHook('onClose', async () => {
    if (typeof unsubscribe === 'function') unsubscribe();
    channels.close();
  });

  app.get('/v1/events', async (request, reply) => {
    const device = deviceOf(request);
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
      cut(reason: string, _code: CutCode, lock?: LockNotice) {
        leave();
        sink.end(lock ? sseEvent('locked', lock) : sseEvent('revoked', { reason }));
      },
    };
    const unregister = deps.hub.add(connection);
    const endQuietly = (): void => {
      leave();
      unregister();
      sink.end();
    };
    // Each channel holds a socket and ~40 KiB, so one device may not hold more than the policy's
    // limit. The newest wins: a laptop that changed networks leaves half-open channels behind that
    // TCP may not report for minutes, and refusing the new one would cut the app off meanwhile.
    let own = openByDevice.get(device.deviceId);
    if (!own) openByDevice.set(device.deviceId, (own = new Set()));
    for (const oldest of own) {
      if (own.size < deps.channelsPerDevice()) break;
      own.delete(oldest);
      oldest();
    }
    own.add(endQuietly);
    reply.raw.on('close', () => {
      closed = true;
      leave();
      unregister();
      own.delete(endQuietly);
      if (own.size === 0 && openByDevice.get(device.deviceId) === own) openByDevice.delete(device.deviceId);
    });
    out.write(sseEvent('heartbeat', { at: Math.floor(deps.now() / 1000) }));
    if (deps.stillActive && !(await deps.stillActive(device))) {
      unregister();
      connection.cut('this device is no longer active', 'device_revoked');
    }
    return reply.code(200).headers(SSE_HEADERS).send(out);
  });
};
