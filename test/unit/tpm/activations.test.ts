import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isAirlockError } from '../../../protocol/errors.js';
import { createActivations } from '../../../gateway/tpm-attestation/activations.js';
import { createMemoryReplayGuard } from '../../../gateway/auth/replay-guard.js';

const NOW = 1_900_000_000;
const binding = { inviteId: 'inv_abcdefgh', nonce: 'nonce-1', akName: 'AAsxxxx' };

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isAirlockError(error, 'tpm_activation_invalid')) return error.message;
    throw error;
  }
  throw new Error('expected tpm_activation_invalid');
}

describe('sealed single-use activations (gateway/tpm-attestation/activations.ts)', () => {
  const setup = () => {
    const key = randomBytes(32);
    const activations = createActivations(key, createMemoryReplayGuard(() => NOW));
    const secret = randomBytes(32);
    const id = activations.issue({ ...binding, ekFingerprint: 'a'.repeat(64) }, secret, NOW, 120);
    return { key, activations, secret, id };
  };

  it('redeems once with the secret, for the binding it was issued for; a replay is refused', async () => {
    const { activations, secret, id } = setup();
    await expect(activations.redeem(id, binding, secret, NOW + 10)).resolves.toEqual({ ekFingerprint: 'a'.repeat(64) });
    expect(await refusal(activations.redeem(id, binding, secret, NOW + 11))).toMatch(/already used/);
  });

  it('refuses a wrong secret, another gateway\'s id, an expired one, another nonce, invite or AK', async () => {
    const { activations, secret, id } = setup();
    expect(await refusal(activations.redeem(id, binding, randomBytes(32), NOW))).toMatch(/secret is wrong/);
    expect(await refusal(setup().activations.redeem(id, binding, secret, NOW))).toMatch(/secret is wrong|not this gateway/);
    expect(await refusal(activations.redeem(id, binding, secret, NOW + 121))).toMatch(/expired/);
    expect(await refusal(activations.redeem(id, { ...binding, nonce: 'nonce-2' }, secret, NOW))).toMatch(/another enrollment/);
    expect(await refusal(activations.redeem(id, { ...binding, inviteId: 'inv_other123' }, secret, NOW))).toMatch(/another enrollment/);
    expect(await refusal(activations.redeem(id, { ...binding, akName: 'AAsyyyy' }, secret, NOW))).toMatch(/another attestation key/);
    expect(await refusal(activations.redeem('garbage', binding, secret, NOW))).toMatch(/did not make/);
    // None of those used it up: the right request still redeems it.
    await expect(activations.redeem(id, binding, secret, NOW)).resolves.toBeTruthy();
  });

  it('refuses a tampered body: the MAC covers it', async () => {
    const { activations, secret, id } = setup();
    const [body, tag] = id.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString()) as Record<string, unknown>;
    const longer = Buffer.from(JSON.stringify({ ...claims, exp: NOW + 100_000 })).toString('base64url');
    expect(await refusal(activations.redeem(`${longer}.${tag}`, binding, secret, NOW + 500))).toMatch(/secret is wrong/);
  });
});
