import { z } from 'zod';
import { spkiPin } from './common.js';

/**
 * `GET /v1/trust`: the CA pins the gateway vouches for, over the pinned, authenticated connection:
 * its current CA first, then the next CA when one is staged (`ca rotate --stage`). An app keeps the
 * next pin so that it follows `ca rotate --switch` even if its invite carried only one pin.
 */
export const trustAnchorsResponse = z.strictObject({
  pins: z.array(spkiPin).min(1).max(2),
});
export type TrustAnchorsResponse = z.infer<typeof trustAnchorsResponse>;
