import { z } from 'zod';
import { lockNotice } from './common.js';
import { clientPolicy } from './policy.js';

/** Server-sent events on `GET /v1/events` (the control channel). */
export const heartbeatEvent = z.strictObject({ at: z.number().int() });
export const policyEvent = clientPolicy;
export const revokedEvent = z.strictObject({ reason: z.string().max(500) });
/** An admin locked the device or its tester: the app shows its locked screen; the channel then ends (docs/PROTOCOL-CHANGES.md). */
export const lockedEvent = lockNotice;

export const controlEvent = z.discriminatedUnion('event', [
  z.strictObject({ event: z.literal('heartbeat'), data: heartbeatEvent }),
  z.strictObject({ event: z.literal('policy'), data: policyEvent }),
  z.strictObject({ event: z.literal('revoked'), data: revokedEvent }),
  z.strictObject({ event: z.literal('locked'), data: lockedEvent }),
]);
export type ControlEvent = z.infer<typeof controlEvent>;

/** The SSE error event a cut or failed model stream ends with: `event: error`, `data: {"error":{...}}`. */
export const STREAM_ERROR_EVENT = 'error';
