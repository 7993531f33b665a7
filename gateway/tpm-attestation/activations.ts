import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AirlockError } from '../../protocol/errors.js';
import type { ReplayGuard } from '../auth/replay-guard.js';

/**
 * Credential activations, sealed instead of stored: the activation id carries what the gateway
 * bound (invite, nonce, AK Name, expiry, a random id) and an HMAC over it and the secret under a
 * key only the gateway holds. Presenting the id with the right secret proves the secret was
 * recovered by ActivateCredential; the random id is then claimed once in the replay guard (shared
 * across instances on PostgreSQL), so a replay is refused. The enrollment nonce it is bound to is
 * itself single-use in the store, so a restart that empties an in-memory guard lets nothing through.
 */
const claims = z.strictObject({
  v: z.literal(1),
  jti: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  invite: z.string().max(100),
  nonce: z.string().max(200),
  ak: z.string().max(100),
  /** Hex SHA-256 of the EK certificate the credential was made to (for the enrollment's audit entry). */
  ek: z.string().regex(/^[0-9a-f]{64}$/),
  exp: z.number().int().nonnegative(),
});
type ActivationClaims = z.infer<typeof claims>;

function invalid(reason: string): AirlockError {
  return new AirlockError('tpm_activation_invalid', `The TPM proof does not match this enrollment: ${reason}. Start the enrollment again.`);
}

export interface ActivationBinding {
  inviteId: string;
  nonce: string;
  /** b64u of the AK's Name. */
  akName: string;
}

export interface IssuedBinding extends ActivationBinding {
  /** Hex SHA-256 of the EK certificate. */
  ekFingerprint: string;
}

export interface Activations {
  /** A sealed activation id for this binding and secret, valid for `lifetime` seconds. */
  issue(binding: IssuedBinding, secret: Uint8Array, nowSeconds: number, lifetime: number): string;
  /**
   * Checks an activation id against the binding the enrollment names and the secret it presents,
   * then uses it up. Throws `tpm_activation_invalid` saying which check failed.
   */
  redeem(activationId: string, binding: ActivationBinding, secret: Uint8Array, nowSeconds: number): Promise<{ ekFingerprint: string }>;
}

export function createActivations(key: Uint8Array, replay: ReplayGuard): Activations {
  const mac = (body: string, secret: Uint8Array) => createHmac('sha256', key).update('airlock tpm activation v1\0').update(body).update('\0').update(secret).digest();
  return {
    issue(binding, secret, nowSeconds, lifetime) {
      const body: ActivationClaims = { v: 1, jti: randomBytes(16).toString('base64url'), invite: binding.inviteId, nonce: binding.nonce, ak: binding.akName, ek: binding.ekFingerprint, exp: nowSeconds + lifetime };
      const encoded = Buffer.from(JSON.stringify(body)).toString('base64url');
      return `${encoded}.${mac(encoded, secret).toString('base64url')}`;
    },
    async redeem(activationId, binding, secret, nowSeconds) {
      const [encoded = '', tag = '', ...rest] = activationId.split('.');
      let body: ActivationClaims;
      try {
        if (rest.length > 0) throw new Error('shape');
        body = claims.parse(JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')));
      } catch {
        throw invalid('this gateway did not make that activation');
      }
      const expected = mac(encoded, secret);
      const given = Buffer.from(tag, 'base64url');
      // One comparison covers both "not ours" and "wrong secret": the MAC is over the secret.
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid('the activated secret is wrong, or the activation is not this gateway\'s');
      if (body.exp < nowSeconds) throw invalid('the activation has expired');
      if (body.invite !== binding.inviteId || body.nonce !== binding.nonce) throw invalid('the activation was made for another enrollment');
      if (body.ak !== binding.akName) throw invalid('the activation was made for another attestation key');
      if (!(await replay.claim(`tpm-activation:${body.jti}`, body.exp + 1))) throw invalid('the activation was already used');
      return { ekFingerprint: body.ek };
    },
  };
}

/** The activation key, derived from a gateway secret so every instance sharing it agrees. */
export function activationKeyFrom(gatewaySecret: Uint8Array): Buffer {
  return createHmac('sha256', gatewaySecret).update('airlock tpm activation key v1').digest();
}
