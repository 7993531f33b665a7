import { describe, expect, it } from 'vitest';
import { adminRequest, adminResponse, auditVerifyResult, deviceSummary, inviteCreated } from '../../../protocol/schemas/admin.js';
import { chatCompletionChunk, chatCompletionRequest } from '../../../protocol/schemas/chat.js';
import { compactJws, ecPublicJwk, httpsOrigin, isoTime, spkiPin } from '../../../protocol/schemas/common.js';
import { authorizationHeader, dpopHeader, dpopPayload } from '../../../protocol/schemas/dpop.js';
import {
  enrollAttestationHeader,
  enrollAttestationPayload,
  enrollChallengeRequest,
  enrollChallengeResponse,
  enrollRequest,
  enrollResponse,
} from '../../../protocol/schemas/enroll.js';
import { controlEvent } from '../../../protocol/schemas/events.js';
import { evidence as evidenceSchema } from '../../../protocol/schemas/evidence.js';
import { modelList } from '../../../protocol/schemas/models.js';
import { DEFAULT_POLICY, clientPolicy, policy, toClientPolicy } from '../../../protocol/schemas/policy.js';
import { accessTokenClaims, sessionAttestationHeader, sessionAttestationPayload, sessionRequest, sessionResponse } from '../../../protocol/schemas/session.js';
import { evidence } from './support.js';

const B64U_32 = 'n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg';
const JWK = { kty: 'EC', crv: 'P-256', x: 'l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs', y: '9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA' };
const JWS = 'eyJhbGciOiJFUzI1NiJ9.eyJhIjoxfQ.c2lnbmF0dXJl';
const DEVICE = 'dev_0123456789abcdefXYZ';

function ok(schema: { safeParse(v: unknown): { success: boolean } }, value: unknown): void {
  const result = schema.safeParse(value) as { success: boolean; error?: unknown };
  expect(result.success, JSON.stringify(result.error ?? null)).toBe(true);
}
function refused(schema: { safeParse(v: unknown): { success: boolean } }, value: unknown): void {
  expect(schema.safeParse(value).success, JSON.stringify(value)).toBe(false);
}

describe('enrollment bodies (PROTOCOL.md "Enrollment")', () => {
  it('accepts the challenge request and response', () => {
    ok(enrollChallengeRequest, { code: B64U_32 });
    ok(enrollChallengeResponse, { nonce: 'abc_DEF-123', expiresIn: 120, salt: B64U_32 });
  });

  it('refuses unknown fields, wrong types and malformed codes', () => {
    refused(enrollChallengeRequest, { code: B64U_32, extra: 1 });
    refused(enrollChallengeRequest, { code: 42 });
    refused(enrollChallengeRequest, { code: B64U_32.slice(1) });
    refused(enrollChallengeRequest, { code: `${B64U_32.slice(0, 42)}=` });
    refused(enrollChallengeRequest, {});
    refused(enrollChallengeResponse, { nonce: 'abc', expiresIn: '120', salt: B64U_32 });
    refused(enrollChallengeResponse, { nonce: 'abc', expiresIn: 0, salt: B64U_32 });
  });

  it('accepts the enroll request, attestation and 201 answer', () => {
    ok(enrollRequest, { attestation: JWS });
    ok(enrollAttestationHeader, { alg: 'ES256', typ: 'airlock-attest+jwt', jwk: JWK });
    ok(enrollAttestationPayload, { code: B64U_32, nonce: 'abc', iat: 1_700_000_000, evidence: evidence() });
    ok(enrollResponse, { deviceId: DEVICE, tester: 'ada@example.com', policy: toClientPolicy(DEFAULT_POLICY) });
  });

  it('refuses an attestation header with another alg, typ, a kid instead of jwk, or extra members', () => {
    refused(enrollAttestationHeader, { alg: 'RS256', typ: 'airlock-attest+jwt', jwk: JWK });
    refused(enrollAttestationHeader, { alg: 'ES256', typ: 'JWT', jwk: JWK });
    refused(enrollAttestationHeader, { alg: 'ES256', typ: 'airlock-attest+jwt', kid: DEVICE });
    refused(enrollAttestationHeader, { alg: 'ES256', typ: 'airlock-attest+jwt', jwk: JWK, crit: ['b64'] });
    refused(enrollRequest, { attestation: 'not a jws' });
    refused(enrollRequest, { attestation: JWS, code: B64U_32 });
    refused(enrollAttestationPayload, { code: B64U_32, nonce: 'abc', iat: 1.5, evidence: evidence() });
  });
});

describe('Evidence (unknown fields refused)', () => {
  it('accepts every documented value', () => {
    ok(evidenceSchema, evidence());
    for (const platform of ['linux', 'darwin', 'win32'] as const) ok(evidenceSchema, evidence({ platform }));
    for (const keyStorage of ['keychain', 'tpm', 'secure-enclave'] as const) ok(evidenceSchema, evidence({ keyStorage }));
    for (const diskEncryption of ['on', 'off', 'unknown'] as const) ok(evidenceSchema, evidence({ diskEncryption }));
    ok(evidenceSchema, evidence({ buildId: 'a'.repeat(64), packaged: true, appVersion: '1.2.3-beta.1' }));
  });

  it('refuses unknown fields, missing fields and wrong types', () => {
    refused(evidenceSchema, { ...evidence(), hostname: 'laptop' });
    const { debugger: _omit, ...missing } = evidence();
    refused(evidenceSchema, missing);
    refused(evidenceSchema, evidence({ platform: 'freebsd' as never }));
    refused(evidenceSchema, evidence({ packaged: 'true' as never }));
    refused(evidenceSchema, evidence({ buildId: 'A'.repeat(64) }));
    refused(evidenceSchema, evidence({ buildId: 'abc' }));
    refused(evidenceSchema, evidence({ appVersion: 'v1' }));
    refused(evidenceSchema, evidence({ machineIdHash: 'short' }));
    refused(evidenceSchema, evidence({ keyStorage: 'file' as never }));
    refused(evidenceSchema, evidence({ diskEncryption: true as never }));
  });
});

describe('sessions and DPoP (PROTOCOL.md "Sessions")', () => {
  it('accepts the session request, attestation and answer', () => {
    ok(sessionRequest, { attestation: JWS });
    ok(sessionAttestationHeader, { alg: 'ES256', typ: 'airlock-attest+jwt', kid: DEVICE });
    ok(sessionAttestationPayload, { nonce: 'abc', iat: 1_700_000_000, evidence: evidence() });
    ok(sessionResponse, { accessToken: JWS, tokenType: 'DPoP', expiresIn: 900 });
  });

  it('refuses a Bearer token type, a non-device kid and extra claims', () => {
    refused(sessionResponse, { accessToken: JWS, tokenType: 'Bearer', expiresIn: 900 });
    refused(sessionAttestationHeader, { alg: 'ES256', typ: 'airlock-attest+jwt', kid: 'device-1' });
    refused(sessionAttestationPayload, { nonce: 'abc', iat: 1, evidence: evidence(), code: B64U_32 });
  });

  it('shapes the access-token claims with cnf.jkt', () => {
    const claims = {
      iss: 'https://gw.example:8443',
      aud: 'https://gw.example:8443',
      sub: DEVICE,
      tester: 'ada@example.com',
      exp: 1_700_000_900,
      iat: 1_700_000_000,
      jti: 'abcdefghijklmnop',
      cnf: { jkt: B64U_32 },
    };
    ok(accessTokenClaims, claims);
    refused(accessTokenClaims, { ...claims, scope: 'admin' });
    refused(accessTokenClaims, { ...claims, cnf: { jkt: B64U_32, x5t: 'x' } });
    refused(accessTokenClaims, { ...claims, iss: 'http://gw.example' });
    refused(accessTokenClaims, { ...claims, exp: '1700000900' });
  });

  it('shapes a DPoP header and payload and refuses every other alg, typ and private keys', () => {
    ok(dpopHeader, { typ: 'dpop+jwt', alg: 'ES256', jwk: JWK });
    ok(dpopPayload, { jti: '-BwC3ESc6acc2lTc', htm: 'POST', htu: 'https://server.example.com/token', iat: 1_562_262_616 });
    ok(dpopPayload, { jti: '-BwC3ESc6acc2lTc', htm: 'GET', htu: 'https://gw/v1/models', iat: 1, nonce: 'abc', ath: B64U_32 });
    for (const alg of ['none', 'HS256', 'RS256', 'ES384', 'EdDSA']) refused(dpopHeader, { typ: 'dpop+jwt', alg, jwk: JWK });
    refused(dpopHeader, { typ: 'JWT', alg: 'ES256', jwk: JWK });
    refused(dpopHeader, { typ: 'dpop+jwt', alg: 'ES256', jwk: { ...JWK, d: 'private' } });
    refused(dpopHeader, { typ: 'dpop+jwt', alg: 'ES256', jwk: { ...JWK, crv: 'P-384' } });
    refused(dpopHeader, { typ: 'dpop+jwt', alg: 'ES256' });
    refused(dpopPayload, { jti: 'short', htm: 'POST', htu: 'https://x/', iat: 1 });
    refused(dpopPayload, { jti: '-BwC3ESc6acc2lTc', htm: 'post', htu: 'https://x/', iat: 1 });
    refused(dpopPayload, { jti: '-BwC3ESc6acc2lTc', htm: 'POST', htu: 'https://x/', iat: 1, exp: 2 });
  });

  it('takes `Authorization: DPoP <token>` only', () => {
    ok(authorizationHeader, `DPoP ${JWS}`);
    refused(authorizationHeader, `Bearer ${JWS}`);
    refused(authorizationHeader, `dpop ${JWS}`);
    refused(authorizationHeader, `DPoP ${JWS} extra`);
    refused(authorizationHeader, 'DPoP ');
  });
});

describe('common shapes', () => {
  it('knows an https origin from anything else', () => {
    ok(httpsOrigin, 'https://gw.example:8443');
    ok(httpsOrigin, 'https://127.0.0.1:4443');
    for (const bad of ['http://gw.example', 'https://gw.example/', 'https://gw.example/path', 'https://user:pw@gw.example', 'https://gw.example?x=1', 'https://GW.example', 'https://gw.example:443', 'gw.example']) {
      refused(httpsOrigin, bad);
    }
  });

  it('knows a pin, a compact JWS, an ISO time and a public P-256 JWK', () => {
    ok(spkiPin, `sha256/${Buffer.alloc(32, 1).toString('base64')}`);
    refused(spkiPin, `sha256/${Buffer.alloc(32, 1).toString('base64url')}`);
    refused(spkiPin, `sha1/${Buffer.alloc(32, 1).toString('base64')}`);
    refused(spkiPin, `sha256/${Buffer.alloc(20, 1).toString('base64')}`);
    ok(compactJws, JWS);
    refused(compactJws, `${JWS}.extra`);
    refused(compactJws, 'a.b');
    ok(isoTime, '2026-11-23T14:00:00Z');
    refused(isoTime, '23/11/2026');
    ok(ecPublicJwk, { ...JWK, kid: 'k1', use: 'sig', alg: 'ES256' });
    refused(ecPublicJwk, { ...JWK, d: 'x' });
    refused(ecPublicJwk, { ...JWK, kty: 'RSA' });
    refused(ecPublicJwk, { ...JWK, x: JWK.x.slice(1) });
  });
});

describe('policy (DESIGN.md "Policy")', () => {
  it('fills safe defaults and refuses unknown fields', () => {
    expect(DEFAULT_POLICY.tokenLifetimeSeconds).toBe(900);
    expect(DEFAULT_POLICY.chatHistory).toBe('none');
    expect(DEFAULT_POLICY.minKeyStorage).toBe('keychain');
    expect(DEFAULT_POLICY.watermark).toBe(true);
    expect(DEFAULT_POLICY.auditContent).toBe(false);
    refused(policy, { tokenLifetimeSeconds: 900, allowEverything: true });
    refused(policy, { tokenLifetimeSeconds: 10 });
    refused(policy, { allowedPlatforms: [] });
    refused(policy, { limits: { requestsPerMinute: 60, burst: 10 } });
    expect(policy.parse({ limits: { requestsPerMinute: 5 } }).limits).toEqual({ requestsPerMinute: 5, tokensPerDay: 200_000, streamsPerDevice: 2, eventChannelsPerDevice: 4 });
  });

  it('sends the client only what it acts on', () => {
    const client = toClientPolicy(policy.parse({ chatHistory: 'encrypted', releaseKeys: [JWK] }));
    expect(client).toEqual({ tokenLifetimeSeconds: 900, watermark: true, contentProtection: true, chatHistory: 'encrypted' });
    ok(clientPolicy, client);
    refused(clientPolicy, { ...client, releaseKeys: [] });
  });
});

describe('events, models and chat', () => {
  it('shapes control events', () => {
    ok(controlEvent, { event: 'heartbeat', data: { at: 1 } });
    ok(controlEvent, { event: 'revoked', data: { reason: 'laptop lost' } });
    ok(controlEvent, { event: 'policy', data: toClientPolicy(DEFAULT_POLICY) });
    refused(controlEvent, { event: 'shell', data: {} });
    refused(controlEvent, { event: 'revoked', data: { reason: 'x', wipe: false } });
  });

  it('reads the OpenAI model list', () => {
    ok(modelList, { object: 'list', data: [{ id: 'demo', object: 'model', created: 0, owned_by: 'airlock', airlock_demo: true }] });
    refused(modelList, { object: 'models', data: [] });
  });

  it('accepts documented chat request fields and refuses others', () => {
    const request = { model: 'demo', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }], stream: true, temperature: 0.2, stream_options: { include_usage: true } };
    ok(chatCompletionRequest, request);
    refused(chatCompletionRequest, { ...request, api_key: 'sk-...' });
    refused(chatCompletionRequest, { ...request, messages: [] });
    refused(chatCompletionRequest, { ...request, messages: [{ role: 'root', content: 'x' }] });
    refused(chatCompletionRequest, { ...request, messages: [{ role: 'user', content: 'x', secret: 1 }] });
    refused(chatCompletionRequest, { ...request, temperature: 3 });
    refused(chatCompletionRequest, { ...request, n: 2 });
    ok(chatCompletionChunk, { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'demo', choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }] });
  });
});

describe('admin socket', () => {
  it('accepts each documented op and refuses unknown ops and fields', () => {
    ok(adminRequest, { op: 'invite.create', email: 'ada@example.com', expiresInSeconds: 259_200, devices: 1 });
    ok(adminRequest, { op: 'device.revoke', id: DEVICE, reason: 'lost' });
    ok(adminRequest, { op: 'tester.suspend', email: 'ada@example.com' });
    ok(adminRequest, { op: 'audit.tail', n: 20 });
    ok(adminRequest, { op: 'audit.verify' });
    refused(adminRequest, { op: 'shell.exec', cmd: 'id' });
    refused(adminRequest, { op: 'audit.verify', force: true });
    refused(adminRequest, { op: 'invite.create', email: 'not-an-email', expiresInSeconds: 1, devices: 1 });
    refused(adminRequest, { op: 'invite.create', email: 'ada@example.com', expiresInSeconds: 1, devices: 0 });
    ok(adminResponse, { ok: true, result: [] });
    ok(adminResponse, { ok: false, error: { code: 'not_found', message: 'no such device' } });
    refused(adminResponse, { ok: false, result: [] });
  });

  it('shapes what the CLI prints with --json', () => {
    ok(inviteCreated, { id: 'inv_12345678', link: 'airlock://enroll?gw=...', expiresAt: '2026-11-26T14:00:00Z' });
    ok(deviceSummary, { id: DEVICE, tester: 'ada@example.com', status: 'active', platform: 'linux', enrolledAt: '2026-11-23T14:00:00Z', lastSeenAt: null, keyStorage: 'keychain' });
    ok(auditVerifyResult, { ok: false, entries: 10, firstBad: 4, head: `3:${'a'.repeat(64)}` });
    ok(auditVerifyResult, { ok: true, entries: 0, firstBad: null, head: null });
    refused(auditVerifyResult, { ok: true, entries: 10 });
  });
});
