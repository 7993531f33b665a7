import type { FastifyPluginAsync } from 'fastify';
import { AirlockError } from '../../protocol/errors.js';
import { retireRequest, retireResponse, type RetireRequest, type RetireResponse } from '../../protocol/schemas/device.js';
import type { GatewayContext } from '../context.js';
import { responses } from '../http/schemas.js';
import { deviceOf } from '../model/chat-call.js';
import { RETIRED_REASON } from '../store/store.js';

/**
 * `POST /v1/device/retire`: a device signs itself out. Registered inside the authenticated context,
 * so the caller has proved possession of the device key; the device becomes `retired` in the store
 * with its audit entry (one transaction), the auth cache refuses it from the next request on, and
 * its other live connections are cut, all before the answer. A second call is refused by the auth
 * hook with `device_revoked`: a retired device is ended for good.
 */
export const deviceRetireRoutes: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  app.post<{ Body: RetireRequest; Reply: RetireResponse }>(
    '/v1/device/retire',
    { schema: { body: retireRequest, response: responses({ 200: retireResponse }) } },
    async (request) => {
      const device = deviceOf(request);
      const result = await ctx.store.retireDevice(device.deviceId, { type: 'device.retire', actor: `device:${device.deviceId}`, subject: device.tester, details: { reason: RETIRED_REASON } });
      if (result === null) throw new AirlockError('device_unknown');
      // Not active any more, yet not retired by this call: an admin's revocation won the race.
      if (!result.changed) throw new AirlockError('device_revoked');
      ctx.security.devices.markDeviceRevoked(device.deviceId);
      const cut = ctx.hub.cutDevice(device.deviceId, RETIRED_REASON);
      return { deviceId: device.deviceId, status: 'retired' as const, cut };
    },
  );
};
