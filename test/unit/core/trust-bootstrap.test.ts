import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAirlockError } from '../../../protocol/errors.js';
import { verifyBootstrapChain } from '../../../main/core/transport/trust-bootstrap.js';
import { createServerCert, createTestCa, FOREIGN_PIN, type TestCa } from './support/pki.js';

const der = (pem: string): Uint8Array => new Uint8Array(new X509Certificate(pem).raw);

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(isAirlockError(error, 'connection_not_trusted')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected connection_not_trusted');
}

describe('verifyBootstrapChain (PROTOCOL.md "Trust bootstrap")', () => {
  let ca: TestCa;
  let other: TestCa;
  let notCa: TestCa;
  let good: { server: Uint8Array; ca: Uint8Array };
  const now = new Date();

  beforeAll(async () => {
    [ca, other, notCa] = await Promise.all([createTestCa(), createTestCa({ name: 'Other CA' }), createTestCa({ name: 'Leaf posing as CA', isCa: false })]);
    const server = await createServerCert(ca);
    good = { server: der(server.certPem), ca: der(ca.certPem) };
  });

  it('accepts a server certificate signed by the pinned CA, for its host and IP, and returns that CA', () => {
    for (const host of ['localhost', '127.0.0.1']) {
      const result = verifyBootstrapChain({ chain: [good.server, good.ca], pins: [ca.pin], host, now });
      expect(result.caPin).toBe(ca.pin);
      expect(new X509Certificate(result.caPem).fingerprint256).toBe(new X509Certificate(ca.certPem).fingerprint256);
    }
  });

  it('accepts the CA by the backup pin (second in the set)', () => {
    expect(verifyBootstrapChain({ chain: [good.server, good.ca], pins: [FOREIGN_PIN, ca.pin], host: 'localhost', now }).caPin).toBe(ca.pin);
  });

  it('refuses when no certificate in the chain has a pinned key (wrong pin, or a MITM CA)', () => {
    expect(refusal(() => verifyBootstrapChain({ chain: [good.server, good.ca], pins: [FOREIGN_PIN], host: 'localhost', now }))).toMatch(/pin set/);
    expect(refusal(() => verifyBootstrapChain({ chain: [good.server, good.ca], pins: [other.pin], host: 'localhost', now }))).toMatch(/pin set/);
  });

  it('refuses a pinned CA that did not sign the server certificate', async () => {
    const mitm = await createServerCert(other);
    // The attacker sends the real (pinned) CA certificate after its own server certificate.
    expect(refusal(() => verifyBootstrapChain({ chain: [der(mitm.certPem), good.ca], pins: [ca.pin], host: 'localhost', now }))).toMatch(/signed the server certificate/);
  });

  it('refuses a pinned certificate that is not a CA', async () => {
    const server = await createServerCert(notCa);
    expect(refusal(() => verifyBootstrapChain({ chain: [der(server.certPem), der(notCa.certPem)], pins: [notCa.pin], host: 'localhost', now }))).toMatch(/not a CA/);
  });

  it('refuses a chain without the CA certificate, or empty, or unreadable', () => {
    expect(refusal(() => verifyBootstrapChain({ chain: [good.server], pins: [ca.pin], host: 'localhost', now }))).toMatch(/did not send its CA/);
    expect(refusal(() => verifyBootstrapChain({ chain: [], pins: [ca.pin], host: 'localhost', now }))).toMatch(/no certificate/);
    expect(refusal(() => verifyBootstrapChain({ chain: [new Uint8Array([1, 2, 3]), good.ca], pins: [ca.pin], host: 'localhost', now }))).toMatch(/cannot be read/);
  });

  it('refuses a server certificate for another host', () => {
    expect(refusal(() => verifyBootstrapChain({ chain: [good.server, good.ca], pins: [ca.pin], host: 'gateway.example', now }))).toMatch(/does not name gateway.example/);
    expect(refusal(() => verifyBootstrapChain({ chain: [good.server, good.ca], pins: [ca.pin], host: '127.0.0.2', now }))).toMatch(/does not name/);
  });

  it('refuses a server certificate outside its validity period', async () => {
    const expired = await createServerCert(ca, { notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    expect(refusal(() => verifyBootstrapChain({ chain: [der(expired.certPem), good.ca], pins: [ca.pin], host: 'localhost', now }))).toMatch(/validity/);
    const future = await createServerCert(ca, { notBefore: new Date(Date.now() + 86_400_000), notAfter: new Date(Date.now() + 10 * 86_400_000) });
    expect(refusal(() => verifyBootstrapChain({ chain: [der(future.certPem), good.ca], pins: [ca.pin], host: 'localhost', now }))).toMatch(/validity/);
  });

  it('refuses when the pinned CA itself is out of its validity at the given time', () => {
    expect(refusal(() => verifyBootstrapChain({ chain: [good.server, good.ca], pins: [ca.pin], host: 'localhost', now: new Date(Date.now() + 365 * 86_400_000) }))).toMatch(/validity/);
  });
});
