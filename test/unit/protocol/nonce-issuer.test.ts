import { describe, expect, it } from 'vitest';
import { createNonceIssuer, type NonceIssuerDeps } from '../../../protocol/dpop/nonce-issuer.js';
import { b64uDecode, b64uEncode } from '../../../protocol/encoding.js';
import { hmacKey, random } from './support.js';

function issuer(clock: { t: number }, secret = random(32), extra: Partial<NonceIssuerDeps> = {}) {
  return createNonceIssuer({ hmac: hmacKey(secret), random: (n) => random(n), now: () => clock.t, lifetime: 120, ...extra });
}

describe('nonce issuer (RFC 9449 §8, stateless, shared secret)', () => {
  it('issues b64u nonces it accepts', () => {
    const clock = { t: 1_000_000 };
    const nonces = issuer(clock);
    const nonce = nonces.current();
    expect(nonce).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(b64uDecode(nonce)).toHaveLength(28);
    expect(nonces.check(nonce)).toBe('valid');
  });

  it('reuses the current nonce until half its lifetime, then rotates; the old one stays valid until it expires', () => {
    const clock = { t: 1_000_000 };
    const nonces = issuer(clock);
    const first = nonces.current();
    clock.t += 59;
    expect(nonces.current()).toBe(first);
    clock.t += 1;
    const second = nonces.current();
    expect(second).not.toBe(first);
    expect(nonces.check(first)).toBe('valid');
    clock.t = 1_000_000 + 120;
    expect(nonces.check(first)).toBe('valid');
    clock.t += 1;
    expect(nonces.check(first)).toBe('stale');
    expect(nonces.check(second)).toBe('valid');
  });

  it('honours rotateAfter and a clock that went backwards', () => {
    const clock = { t: 1_000_000 };
    const nonces = issuer(clock, random(32), { rotateAfter: 10 });
    const first = nonces.current();
    clock.t += 10;
    expect(nonces.current()).not.toBe(first);
    const second = nonces.current();
    clock.t -= 5;
    expect(nonces.current()).not.toBe(second);
  });

  it('accepts a nonce from another instance with the same secret, not with another secret', () => {
    const clock = { t: 1_000_000 };
    const secret = random(32);
    const nonce = issuer(clock, secret).current();
    expect(issuer(clock, secret).check(nonce)).toBe('valid');
    expect(issuer(clock, random(32)).check(nonce)).toBe('invalid');
  });

  it('refuses forged nonces: changed time, changed mac, wrong length, not base64url', () => {
    const clock = { t: 1_000_000 };
    const nonces = issuer(clock);
    const bytes = b64uDecode(nonces.current());
    const laterTime = bytes.slice();
    laterTime[3] = (laterTime[3]! + 1) & 0xff;
    expect(nonces.check(b64uEncode(laterTime))).toBe('invalid');
    const badMac = bytes.slice();
    badMac[27] = badMac[27]! ^ 1;
    expect(nonces.check(b64uEncode(badMac))).toBe('invalid');
    expect(nonces.check(b64uEncode(bytes.slice(0, 27)))).toBe('invalid');
    expect(nonces.check('not base64url!')).toBe('invalid');
    expect(nonces.check('')).toBe('invalid');
  });

  it('refuses a genuine nonce dated in the future beyond clock slack', () => {
    const clock = { t: 1_000_000 };
    const secret = random(32);
    const future = issuer({ t: clock.t + 60 }, secret).current();
    expect(issuer(clock, secret).check(future)).toBe('invalid');
    const slightlyAhead = issuer({ t: clock.t + 5 }, secret).current();
    expect(issuer(clock, secret).check(slightlyAhead)).toBe('valid');
  });
});
