import { z } from 'zod';
import { deviceId } from './common.js';

/**
 * `POST /v1/device/retire` (docs/PROTOCOL-CHANGES.md): the device's own sign-out. The body is an
 * empty JSON object; nothing else is accepted.
 */
export const retireRequest = z.strictObject({});
export type RetireRequest = z.infer<typeof retireRequest>;

export const retireResponse = z.strictObject({
  deviceId,
  status: z.literal('retired'),
  /** Other live connections of this device (event channels, model streams) that were closed. */
  cut: z.number().int().nonnegative(),
});
export type RetireResponse = z.infer<typeof retireResponse>;
