/**
 * Messages between the primary process and the gateway's worker processes (`serve --workers N`),
 * over node:cluster's IPC channel. Parsed on arrival like any other input: a message that does not
 * parse is dropped and logged by the receiver.
 */
import { z } from 'zod';
import { deviceId, email } from '../../protocol/schemas/common.js';

const id = z.number().int().nonnegative();
const reason = z.string().max(500);

/** What every worker must act on before the change is reported done (cut streams, update caches). */
export const siblingEvent = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('device.revoked'), deviceId, reason }),
  z.strictObject({ kind: z.literal('tester.suspended'), tester: email, reason }),
  z.strictObject({ kind: z.literal('tester.resumed'), tester: email }),
  z.strictObject({ kind: z.literal('policy.changed') }),
  z.strictObject({ kind: z.literal('tls.reload') }),
]);
export type SiblingEvent = z.infer<typeof siblingEvent>;

/** Worker to primary. */
export const fromWorker = z.discriminatedUnion('kind', [
  /** Ready to receive (a message sent before the worker listens for messages would be lost): send `setup`. */
  z.strictObject({ kind: z.literal('hello') }),
  /** Listening; `line` is what `serve` prints (the lead's is printed once all listen). */
  z.strictObject({ kind: z.literal('listening'), line: z.string().max(64 * 1024) }),
  /** Apply `event` in every other worker, then answer `fanned` with the same id. */
  z.strictObject({ kind: z.literal('fan-out'), id, event: siblingEvent }),
  /** The event with this id is applied here. */
  z.strictObject({ kind: z.literal('applied'), id }),
]);
export type FromWorker = z.infer<typeof fromWorker>;

/** Primary to worker. */
export const fromPrimary = z.discriminatedUnion('kind', [
  /** The run's DPoP nonce key (base64), the same in every worker, new at every start (auth/nonce-key.ts). */
  z.strictObject({ kind: z.literal('setup'), nonceKey: z.string().max(100) }),
  z.strictObject({ kind: z.literal('apply'), id, event: siblingEvent }),
  z.strictObject({ kind: z.literal('fanned'), id, error: z.string().max(1000).optional() }),
]);
export type FromPrimary = z.infer<typeof fromPrimary>;
