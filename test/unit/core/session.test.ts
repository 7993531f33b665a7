import { describe, expect, it } from 'vitest';
import { decodeCompactUnverified } from '../../../protocol/jws/compact.js';
import { generateEphemeralSigner } from '../../../protocol/jws/signer.js';
import { b64uEncode, sha256B64u } from '../../../protocol/encoding.js';
import type { Evidence } from '../../../protocol/schemas/evidence.js';
import { createDpopClient } from '../../../main/core/session/dpop-client.js';
import { createSession, renewalMargin } from '../../../main/core/session/session.js';
import type { Clock } from '../../../main/core/ports.js';
import { errorAnswer, fakeHttp } from './support/fake-http.js';
import { memoryLogger } from './support/memory-logger.js';

const ORIGIN = 'https://gw.test:8443';
const EVIDENCE: Evidence = { platform: 'linux', osRelease: 'Debian 12', arch: 'x64', appVersion: '0.1.0', buildId: 'dev', packaged: false, machineIdHash: b64uEncode(new Uint8Array(32)), diskEncryption: 'off', debugger: false, keyStorage: 'keychain' };
const TOKEN = (n: number) => `eyJhbGciOiJFUzI1NiJ9.eyJuIjo${n}fQ.c2lnbmF0dXJl`;

function manualClock(start = 1_700_000_000_000): Clock & { advance(ms: number): void; pending: number } {
  let now = start;
  const timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const t = { at: now + ms, fn, live: true };
      timers.push(t);
      return { cancel: () => void (t.live = false) };
    },
    advance(ms) {
      now += ms;
      for (const t of timers) if (t.live && t.at <= now) {
        t.live = false;
        t.fn();
      }
    },
    get pending() {
      return timers.filter((t) => t.live).length;
    },
  };
}

const header = (proof: string) => decodeCompactUnverified(proof).header as { jwk: unknown; typ: string };
const payload = (jws: string) => decodeCompactUnverified(jws).payload as Record<string, unknown>;

async function setup(handler: Parameters<typeof fakeHttp>[1]) {
  const signer = await generateEphemeralSigner();
  const clock = manualClock();
  const http = fakeHttp(ORIGIN, handler);
  let n = 0;
  const random = (len: number) => new Uint8Array(len).fill(++n % 256);
  const dpop = createDpopClient({ http, signer: () => signer, clock, random });
  const revoked: string[] = [];
  const session = createSession({ dpop, deviceId: 'dev_0123456789abcdefXYZ', signer, salt: 'c2FsdA', collect: async () => EVIDENCE, clock, random, logger: memoryLogger(), onRevoked: (code) => revoked.push(code) });
  return { signer, clock, http, dpop, session, revoked };
}

describe('session and DPoP', () => {
  it('gets a nonce with use_dpop_nonce, then signs the attestation over that same nonce', async () => {
    const { http, session, signer } = await setup((req, i) => {
      if (i === 0) return errorAnswer(401, 'use_dpop_nonce', { 'DPoP-Nonce': 'bm9uY2Ux', 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"' });
      return { status: 200, headers: { 'DPoP-Nonce': 'bm9uY2Uy' }, json: { accessToken: TOKEN(1), tokenType: 'DPoP', expiresIn: 60 } };
    });
    await session.ensure();
    expect(http.requests).toHaveLength(2);
    const retry = http.requests[1]!;
    const proof = payload(retry.headers!.dpop!);
    expect(proof).toMatchObject({ htm: 'POST', htu: `${ORIGIN}/v1/session`, nonce: 'bm9uY2Ux' });
    expect(proof.ath).toBeUndefined();
    expect(header(retry.headers!.dpop!)).toMatchObject({ typ: 'dpop+jwt', jwk: signer.publicJwk });
    const attestation = JSON.parse(retry.body!).attestation as string;
    expect(decodeCompactUnverified(attestation).header).toEqual({ alg: 'ES256', typ: 'airlock-attest+jwt', kid: 'dev_0123456789abcdefXYZ' });
    expect(payload(attestation)).toMatchObject({ nonce: 'bm9uY2Ux', evidence: EVIDENCE });
    expect(session.expiresAt()).not.toBeNull();
  });

  it('sends Authorization: DPoP with a proof bound to the token (ath) and the latest nonce; fresh jti each time', async () => {
    const { http, session } = await setup((req) => {
      if (req.path === '/v1/session') return { status: 200, headers: { 'DPoP-Nonce': 'bm9uY2Ux' }, json: { accessToken: TOKEN(1), tokenType: 'DPoP', expiresIn: 60 } };
      return { status: 200, headers: { 'DPoP-Nonce': 'bmV4dA' }, json: { object: 'list', data: [] } };
    });
    await session.call({ method: 'GET', path: '/v1/models' });
    await session.call({ method: 'GET', path: '/v1/models' });
    const [, first, second] = http.requests;
    expect(first!.headers!.authorization).toBe(`DPoP ${TOKEN(1)}`);
    const p1 = payload(first!.headers!.dpop!);
    const p2 = payload(second!.headers!.dpop!);
    expect(p1).toMatchObject({ htm: 'GET', htu: `${ORIGIN}/v1/models`, nonce: 'bm9uY2Ux', ath: await sha256B64u(TOKEN(1)) });
    expect(p2.nonce).toBe('bmV4dA');
    expect(p1.jti).not.toBe(p2.jti);
  });

  it('renews before expiry on its own timer, with no error seen by callers', async () => {
    let tokens = 0;
    const { http, session, clock } = await setup((req) => {
      if (req.path === '/v1/session') return { status: 200, headers: { 'DPoP-Nonce': 'bm9uY2Ux' }, json: { accessToken: TOKEN(++tokens), tokenType: 'DPoP', expiresIn: 30 } };
      return { status: 200, json: {} };
    });
    await session.ensure();
    const firstExpiry = session.expiresAt()!;
    clock.advance(30_000 - renewalMargin(30) + 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(tokens).toBe(2);
    expect(session.expiresAt()!).toBeGreaterThan(firstExpiry);
    await session.call({ method: 'GET', path: '/v1/models' });
    expect(http.requests.at(-1)!.headers!.authorization).toBe(`DPoP ${TOKEN(2)}`);
  });

  it('on token_expired renews once and retries the call', async () => {
    let tokens = 0;
    const { http, session } = await setup((req) => {
      if (req.path === '/v1/session') return { status: 200, headers: { 'DPoP-Nonce': 'bm9uY2Ux' }, json: { accessToken: TOKEN(++tokens), tokenType: 'DPoP', expiresIn: 600 } };
      if (req.headers!.authorization === `DPoP ${TOKEN(1)}`) return errorAnswer(401, 'token_expired');
      return { status: 200, json: { ok: true } };
    });
    const response = await session.call({ method: 'GET', path: '/v1/models' });
    expect(await response.json()).toEqual({ ok: true });
    expect(tokens).toBe(2);
    expect(http.requests.map((r) => r.path)).toEqual(['/v1/session', '/v1/models', '/v1/session', '/v1/models']);
  });

  it('a revoking answer calls onRevoked and is not retried', async () => {
    const { http, session, revoked } = await setup((req) => {
      if (req.path === '/v1/session') return errorAnswer(403, 'key_moved');
      return { status: 200, json: {} };
    });
    await expect(session.call({ method: 'GET', path: '/v1/models' })).rejects.toMatchObject({ code: 'key_moved' });
    expect(revoked).toEqual(['key_moved']);
    expect(http.requests).toHaveLength(1);
  });

  it('retries use_dpop_nonce only once, and maps a non-Airlock answer to network_error', async () => {
    const { http, session } = await setup(() => errorAnswer(401, 'use_dpop_nonce', { 'DPoP-Nonce': 'bm9uY2Ux' }));
    await expect(session.ensure()).rejects.toMatchObject({ code: 'use_dpop_nonce' });
    expect(http.requests).toHaveLength(2);
    const other = await setup(() => ({ status: 502, chunks: ['<html>bad gateway</html>'] }));
    await expect(other.session.ensure()).rejects.toMatchObject({ code: 'network_error' });
  });
});

describe('clock skew', () => {
  it('signs iat by the gateway clock (Date header) when the device clock is off by minutes', async () => {
    const serverMs = 1_700_000_000_000 + 5 * 60_000; // the device clock is 5 minutes behind
    const { http, session } = await setup((req) => {
      const headers = { 'DPoP-Nonce': 'bm9uY2Ux', Date: new Date(serverMs).toUTCString() };
      if (req.path === '/v1/session') return { status: 200, headers, json: { accessToken: TOKEN(1), tokenType: 'DPoP', expiresIn: 600 } };
      return { status: 200, headers, json: {} };
    });
    await session.call({ method: 'GET', path: '/v1/models' });
    const last = payload(http.requests.at(-1)!.headers!.dpop!);
    expect(Math.abs((last.iat as number) - serverMs / 1000)).toBeLessThanOrEqual(1);
    // Small differences are the header's resolution, not skew: the device clock is used as is.
    const near = await setup((req) => ({ status: 200, headers: { Date: new Date(1_700_000_000_000 + 3000).toUTCString() }, json: req.path === '/v1/session' ? { accessToken: TOKEN(1), tokenType: 'DPoP', expiresIn: 600 } : {} }));
    await near.session.call({ method: 'GET', path: '/v1/models' });
    expect(payload(near.http.requests.at(-1)!.headers!.dpop!).iat).toBe(1_700_000_000);
  });
});
