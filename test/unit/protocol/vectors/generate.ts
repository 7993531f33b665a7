/**
 * Writes protocol/vectors/*.json. Run once by hand when a case is added or the contract changes:
 *   node --import tsx test/unit/protocol/vectors/generate.ts
 * Keys are fresh on every run and only their public halves are written: the files hold no key
 * material (the `d` in dpop-jwk-private-key.json is random bytes, not any key's private part).
 */
import '../../../../protocol/pin/spki.js';
import { webcrypto } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { createEnrollAttestation, createSessionAttestation } from '../../../../protocol/attestation/attestation.js';
import { createDpopProof } from '../../../../protocol/dpop/create-proof.js';
import { jwkThumbprint } from '../../../../protocol/dpop/thumbprint.js';
import { b64uEncode } from '../../../../protocol/encoding.js';
import { formatInviteLink } from '../../../../protocol/invite/link.js';
import { pinFromCertificate } from '../../../../protocol/pin/spki.js';
import { signAccessToken } from '../../../../protocol/token/access-token.js';
import type { AccessTokenClaims } from '../../../../protocol/schemas/session.js';
import { evidence, hs256, newSigner, random, signRaw, tamperSignature, unsigned } from '../support.js';
import { VECTORS_DIR, vectorSchema, type Vector } from './vector.js';

const NOW = 1_900_000_000;
const GW = 'https://gw.example:8443';
const URL_ = `${GW}/v1/chat/completions`;
const TOKEN = 'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJkZXZfMDEyMzQ1Njc4OWFiY2RlZlhZWiJ9.c2lnbmF0dXJl';
const CODE = 'n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg';
const DEVICE = 'dev_0123456789abcdefXYZ';

/** RFC 9449 §4.1, Figure 3 (the proof of the token request; its signature verifies with its own jwk). */
const RFC9449_PROOF =
  'eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19' +
  '.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ' +
  '.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg';
const RFC9449_IAT = 1_562_262_616;
const RFC9449_URL = 'https://server.example.com/token';

const vectors: Record<string, Vector> = {};
function add(name: string, vector: Vector): void {
  vectorSchema.parse(vector);
  vectors[name] = vector;
}

const device = await newSigner();
const other = await newSigner();
const gatewayKey = await newSigner();
const deviceJkt = await jwkThumbprint(device.publicJwk);
const rfcJwk = { kty: 'EC' as const, crv: 'P-256' as const, x: 'l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs', y: '9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA' };

// --- RFC 7638 §3.1 -------------------------------------------------------------------------------
add('rfc7638-3.1-thumbprint', {
  title: 'The RSA key of RFC 7638 §3.1 has the published SHA-256 thumbprint',
  source: 'RFC 7638 §3.1, https://www.rfc-editor.org/rfc/rfc7638#section-3.1',
  kind: 'jwk-thumbprint',
  input: {
    jwk: {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    },
  },
  expect: { valid: true, result: { thumbprint: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' } },
});
add('rfc7638-ec-p256-thumbprint', {
  title: 'The P-256 key of RFC 9449 §4.1 thumbprints over crv, kty, x, y only',
  source: 'RFC 7638 §3.2 (required members, lexicographic order) applied to the RFC 9449 §4.1 key',
  kind: 'jwk-thumbprint',
  input: { jwk: { ...rfcJwk, kid: 'ignored', use: 'sig' } },
  expect: { valid: true, result: { thumbprint: await jwkThumbprint(rfcJwk) } },
});

// --- RFC 9449 §4.1 example proof ------------------------------------------------------------------
add('rfc9449-4.1-example-proof', {
  title: 'The example DPoP proof of RFC 9449 §4.1 verifies at its own iat',
  source: 'RFC 9449 §4.1 Figure 3 (header typ/alg/jwk, claims jti/htm/htu/iat)',
  kind: 'dpop-proof',
  input: { proof: RFC9449_PROOF, method: 'POST', url: RFC9449_URL, now: RFC9449_IAT },
  expect: { valid: true, result: { jkt: await jwkThumbprint(rfcJwk), jti: '-BwC3ESc6acc2lTc', htm: 'POST', htu: RFC9449_URL, iat: RFC9449_IAT } },
});
add('rfc9449-4.3-example-proof-stale', {
  title: 'The RFC 9449 example proof is refused 61 s after its iat (PROTOCOL.md: 60 s window)',
  source: 'RFC 9449 §4.3 check 9 (iat within an acceptable window); PROTOCOL.md Sessions',
  kind: 'dpop-proof',
  input: { proof: RFC9449_PROOF, method: 'POST', url: RFC9449_URL, now: RFC9449_IAT + 61 },
  expect: { error: 'dpop_invalid' },
});
add('rfc9449-4.3-example-proof-today', {
  title: 'The RFC 9449 example proof is refused today: its iat is from 2019',
  source: 'RFC 9449 §4.3 check 9; PROTOCOL.md Sessions',
  kind: 'dpop-proof',
  input: { proof: RFC9449_PROOF, method: 'POST', url: RFC9449_URL, now: NOW },
  expect: { error: 'dpop_invalid' },
});
add('rfc9449-8-example-proof-nonce-required', {
  title: 'The RFC 9449 example proof carries no nonce: a gateway that requires one answers use_dpop_nonce',
  source: 'RFC 9449 §8 (server-provided nonce); PROTOCOL.md Sessions, Nonces',
  kind: 'dpop-proof',
  input: { proof: RFC9449_PROOF, method: 'POST', url: RFC9449_URL, now: RFC9449_IAT, nonces: {} },
  expect: { error: 'use_dpop_nonce' },
});
add('rfc9449-4.3-htu-query-and-fragment-ignored', {
  title: 'htu is compared without the request URL query and fragment',
  source: 'RFC 9449 §4.3 check 9 and §4.2 (htu without query and fragment); PROTOCOL.md Sessions',
  kind: 'dpop-proof',
  input: { proof: RFC9449_PROOF, method: 'POST', url: `${RFC9449_URL}?grant_type=x#frag`, now: RFC9449_IAT },
  expect: { valid: true, result: { htu: RFC9449_URL } },
});
add('rfc9449-4.3-htu-normalised', {
  title: 'htu matches after RFC 3986 normalisation: case of scheme and host, default port',
  source: 'RFC 9449 §4.3 (syntax- and scheme-based normalisation, RFC 3986 §6.2.2-6.2.3)',
  kind: 'dpop-proof',
  input: { proof: RFC9449_PROOF, method: 'POST', url: 'HTTPS://Server.Example.COM:443/token', now: RFC9449_IAT },
  expect: { valid: true },
});
add('rfc9449-4.3-htm-mismatch', {
  title: 'A proof for POST is refused on a GET request',
  source: 'RFC 9449 §4.3 check 7 (htm matches the request method)',
  kind: 'dpop-proof',
  input: { proof: RFC9449_PROOF, method: 'GET', url: RFC9449_URL, now: RFC9449_IAT },
  expect: { error: 'dpop_invalid' },
});
add('rfc9449-4.3-htu-mismatch', {
  title: 'A proof for /token is refused on another path',
  source: 'RFC 9449 §4.3 check 8 (htu matches the request URI)',
  kind: 'dpop-proof',
  input: { proof: RFC9449_PROOF, method: 'POST', url: 'https://server.example.com/resource', now: RFC9449_IAT },
  expect: { error: 'dpop_invalid' },
});

// --- PROTOCOL.md DPoP rules (fresh keys) --------------------------------------------------------
const proof = (extra: Partial<Parameters<typeof createDpopProof>[1]> = {}, by = device) =>
  createDpopProof(by, { htm: 'POST', url: URL_, now: NOW, random: random(), ...extra });
const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: device.publicJwk };
const claims = { jti: b64uEncode(random()), htm: 'POST', htu: URL_, iat: NOW, nonce: 'Tm9uY2VOb25jZU5vbmNl' };
const nonces = { Tm9uY2VOb25jZU5vbmNl: 'valid' as const };

add('dpop-valid-nonce-ath-jkt', {
  title: 'A proof with a current nonce, ath of the token and the bound key is accepted',
  source: 'PROTOCOL.md Sessions (DPoP header, payload, ath, nonce, cnf.jkt)',
  kind: 'dpop-proof',
  input: { proof: await proof({ nonce: 'Tm9uY2VOb25jZU5vbmNl', accessToken: TOKEN }), method: 'POST', url: URL_, now: NOW + 5, accessToken: TOKEN, expectedJkt: deviceJkt, nonces },
  expect: { valid: true, result: { jkt: deviceJkt, htm: 'POST', htu: URL_, iat: NOW } },
});
add('dpop-alg-none', {
  title: 'A proof with alg none is refused',
  source: 'PROTOCOL.md Encodings (only ES256); RFC 9449 §4.3 check 5',
  kind: 'dpop-proof',
  input: { proof: unsigned({ ...header, alg: 'none' }, claims), method: 'POST', url: URL_, now: NOW, nonces },
  expect: { error: 'dpop_invalid' },
});
add('dpop-alg-hs256', {
  title: 'A proof with alg HS256 keyed with the public JWK is refused',
  source: 'PROTOCOL.md Encodings (only ES256); RFC 9449 §4.3 check 5 (no symmetric alg)',
  kind: 'dpop-proof',
  input: { proof: hs256({ ...header, alg: 'HS256' }, claims, JSON.stringify(device.publicJwk)), method: 'POST', url: URL_, now: NOW, nonces },
  expect: { error: 'dpop_invalid' },
});
add('dpop-typ-jwt', {
  title: 'A proof whose typ is not dpop+jwt is refused',
  source: 'RFC 9449 §4.3 check 4 (typ dpop+jwt)',
  kind: 'dpop-proof',
  input: { proof: await signRaw({ ...header, typ: 'JWT' }, claims, device), method: 'POST', url: URL_, now: NOW, nonces },
  expect: { error: 'dpop_invalid' },
});
add('dpop-jwk-private-key', {
  title: 'A proof whose jwk carries a private member (d) is refused',
  source: 'RFC 9449 §4.3 check 6 (jwk does not contain a private key)',
  kind: 'dpop-proof',
  input: { proof: await signRaw({ ...header, jwk: { ...device.publicJwk, d: b64uEncode(random(32)) } }, claims, device), method: 'POST', url: URL_, now: NOW, nonces },
  expect: { error: 'dpop_invalid' },
});
add('dpop-bad-signature', {
  title: 'A proof whose signature does not verify with its jwk is refused',
  source: 'RFC 9449 §4.3 check 6 (signature verifies with the embedded public key)',
  kind: 'dpop-proof',
  input: { proof: tamperSignature(await proof({ nonce: 'Tm9uY2VOb25jZU5vbmNl' })), method: 'POST', url: URL_, now: NOW, nonces },
  expect: { error: 'dpop_invalid' },
});
add('dpop-other-signer', {
  title: 'A proof signed by a key other than its embedded jwk is refused',
  source: 'RFC 9449 §4.3 check 6',
  kind: 'dpop-proof',
  input: { proof: await signRaw(header, claims, other), method: 'POST', url: URL_, now: NOW, nonces },
  expect: { error: 'dpop_invalid' },
});
add('dpop-unknown-claim', {
  title: 'A proof with a claim PROTOCOL.md does not name is refused',
  source: 'PROTOCOL.md Sessions (payload jti, htm, htu, iat, nonce, ath); unknown fields refused',
  kind: 'dpop-proof',
  input: { proof: await signRaw(header, { ...claims, exp: NOW + 600 }, device), method: 'POST', url: URL_, now: NOW, nonces },
  expect: { error: 'dpop_invalid' },
});
add('dpop-iat-too-old', {
  title: 'A proof 61 s old is refused',
  source: 'PROTOCOL.md Sessions (iat within 60 s of the gateway clock)',
  kind: 'dpop-proof',
  input: { proof: await proof({ now: NOW - 61 }), method: 'POST', url: URL_, now: NOW },
  expect: { error: 'dpop_invalid' },
});
add('dpop-iat-future', {
  title: 'A proof dated 61 s ahead is refused',
  source: 'PROTOCOL.md Sessions (iat within 60 s of the gateway clock)',
  kind: 'dpop-proof',
  input: { proof: await proof({ now: NOW + 61 }), method: 'POST', url: URL_, now: NOW },
  expect: { error: 'dpop_invalid' },
});
add('dpop-nonce-missing', {
  title: 'A proof without a nonce gets use_dpop_nonce',
  source: 'PROTOCOL.md Sessions, Nonces',
  kind: 'dpop-proof',
  input: { proof: await proof(), method: 'POST', url: URL_, now: NOW, nonces },
  expect: { error: 'use_dpop_nonce' },
});
add('dpop-nonce-stale', {
  title: 'A proof with an expired gateway nonce gets use_dpop_nonce',
  source: 'PROTOCOL.md Sessions, Nonces; RFC 9449 §8',
  kind: 'dpop-proof',
  input: { proof: await proof({ nonce: 'T2xkTm9uY2VPbGROb25jZQ' }), method: 'POST', url: URL_, now: NOW, nonces: { ...nonces, T2xkTm9uY2VPbGROb25jZQ: 'stale' } },
  expect: { error: 'use_dpop_nonce' },
});
add('dpop-nonce-forged', {
  title: 'A proof with a nonce the gateway never issued gets use_dpop_nonce',
  source: 'PROTOCOL.md Sessions, Nonces; RFC 9449 §8',
  kind: 'dpop-proof',
  input: { proof: await proof({ nonce: 'Rm9yZ2VkTm9uY2U' }), method: 'POST', url: URL_, now: NOW, nonces },
  expect: { error: 'use_dpop_nonce' },
});
add('dpop-ath-missing', {
  title: 'A proof sent with an access token but without ath is refused',
  source: 'PROTOCOL.md Sessions (ath when a token is sent); RFC 9449 §4.3 check 11',
  kind: 'dpop-proof',
  input: { proof: await proof(), method: 'POST', url: URL_, now: NOW, accessToken: TOKEN },
  expect: { error: 'dpop_invalid' },
});
add('dpop-ath-mismatch', {
  title: 'A proof whose ath is the hash of another token is refused',
  source: 'PROTOCOL.md Sessions (ath = b64u SHA-256 of the access token); RFC 9449 §4.3 check 11',
  kind: 'dpop-proof',
  input: { proof: await proof({ accessToken: `${TOKEN}x` }), method: 'POST', url: URL_, now: NOW, accessToken: TOKEN },
  expect: { error: 'dpop_invalid' },
});
add('dpop-wrong-key-for-jkt', {
  title: 'A token bound to one key presented with another key\'s proof is refused',
  source: 'PROTOCOL.md Sessions (cnf.jkt); RFC 9449 §4.3 check 12 and §7.1',
  kind: 'dpop-proof',
  input: { proof: await proof({ accessToken: TOKEN }, other), method: 'POST', url: URL_, now: NOW, accessToken: TOKEN, expectedJkt: deviceJkt },
  expect: { error: 'dpop_invalid' },
});

// --- Access tokens ------------------------------------------------------------------------------
const tokenClaims = (extra: Partial<AccessTokenClaims> = {}): AccessTokenClaims => ({
  iss: GW,
  aud: GW,
  sub: DEVICE,
  tester: 'ada@example.com',
  iat: NOW,
  exp: NOW + 900,
  jti: b64uEncode(random()),
  cnf: { jkt: deviceJkt },
  ...extra,
});
const tokenInput = async (token: string, now = NOW + 10) => ({ token, publicJwk: { ...gatewayKey.publicJwk }, issuer: GW, audience: GW, now });
const validClaims = tokenClaims();
add('token-valid', {
  title: 'A gateway access token verifies and yields its claims',
  source: 'PROTOCOL.md Sessions (token: ES256, iss, aud, sub, tester, exp, iat, jti, cnf.jkt)',
  kind: 'access-token',
  input: await tokenInput(await signAccessToken(gatewayKey, validClaims)),
  expect: { valid: true, result: { ...validClaims } },
});
add('token-expired', {
  title: 'A token at its exp is expired',
  source: 'PROTOCOL.md Errors (token_expired)',
  kind: 'access-token',
  input: await tokenInput(await signAccessToken(gatewayKey, tokenClaims()), NOW + 900),
  expect: { error: 'token_expired' },
});
add('token-wrong-issuer', {
  title: 'A token issued by another gateway is refused',
  source: 'PROTOCOL.md Sessions (iss is the origin)',
  kind: 'access-token',
  input: await tokenInput(await signAccessToken(gatewayKey, tokenClaims({ iss: 'https://other.example' }))),
  expect: { error: 'token_invalid' },
});
add('token-wrong-audience', {
  title: 'A token for another audience is refused',
  source: 'PROTOCOL.md Sessions (aud is the origin)',
  kind: 'access-token',
  input: await tokenInput(await signAccessToken(gatewayKey, tokenClaims({ aud: 'https://other.example' }))),
  expect: { error: 'token_invalid' },
});
add('token-other-key', {
  title: 'A token signed by a key other than the gateway token key is refused',
  source: 'PROTOCOL.md Sessions (the gateway token key)',
  kind: 'access-token',
  input: await tokenInput(await signAccessToken(other, tokenClaims())),
  expect: { error: 'token_invalid' },
});
add('token-alg-none', {
  title: 'A token with alg none is refused',
  source: 'PROTOCOL.md Encodings (only ES256)',
  kind: 'access-token',
  input: await tokenInput(unsigned({ alg: 'none', typ: 'at+jwt' }, tokenClaims())),
  expect: { error: 'token_invalid' },
});
add('token-alg-hs256', {
  title: 'A token with alg HS256 keyed with the public JWK is refused',
  source: 'PROTOCOL.md Encodings (only ES256)',
  kind: 'access-token',
  input: await tokenInput(hs256({ alg: 'HS256', typ: 'at+jwt' }, tokenClaims(), JSON.stringify(gatewayKey.publicJwk))),
  expect: { error: 'token_invalid' },
});

// --- Invite links -------------------------------------------------------------------------------
const PIN = `sha256/${Buffer.alloc(32, 0x5a).toString('base64')}`;
const BACKUP = `sha256/${Buffer.alloc(32, 0xa5).toString('base64')}`;
const linkOf = (params: [string, string][]) => `airlock://enroll?${new URLSearchParams(params).toString()}`;
add('invite-link-backup-pin', {
  title: 'An invite link with a primary and a backup pin parses',
  source: 'PROTOCOL.md Invite link (pin may repeat for a backup pin)',
  kind: 'invite-link',
  input: { link: formatInviteLink({ gateway: GW, code: CODE, pins: [PIN, BACKUP] }) },
  expect: { valid: true, result: { gateway: GW, code: CODE, pins: [PIN, BACKUP] } },
});
add('invite-link-http-origin', {
  title: 'An invite link to a plain-http gateway is refused',
  source: 'PROTOCOL.md Invite link (gw is an https origin)',
  kind: 'invite-link',
  input: { link: linkOf([['gw', 'http://gw.example:8443'], ['code', CODE], ['pin', PIN]]) },
  expect: { error: 'invite_invalid' },
});
add('invite-link-malformed-pin', {
  title: 'An invite link whose pin is not sha256/<base64 of 32 bytes> is refused',
  source: 'PROTOCOL.md Invite link (pin=sha256/<base64 SPKI hash>)',
  kind: 'invite-link',
  input: { link: linkOf([['gw', GW], ['code', CODE], ['pin', 'sha256/not-a-hash']]) },
  expect: { error: 'invite_invalid' },
});
add('invite-link-unknown-param', {
  title: 'An invite link with a parameter PROTOCOL.md does not name is refused',
  source: 'PROTOCOL.md Invite link (gw, code, pin)',
  kind: 'invite-link',
  input: { link: linkOf([['gw', GW], ['code', CODE], ['pin', PIN], ['next', 'https://evil.example']]) },
  expect: { error: 'invite_invalid' },
});
add('invite-link-three-pins', {
  title: 'An invite link with more than a primary and a backup pin is refused',
  source: 'PROTOCOL.md Invite link (one pin, or two with a backup)',
  kind: 'invite-link',
  input: { link: linkOf([['gw', GW], ['code', CODE], ['pin', PIN], ['pin', BACKUP], ['pin', PIN]]) },
  expect: { error: 'invite_invalid' },
});

// --- SPKI pin -----------------------------------------------------------------------------------
x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const caKeys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
const ca = await x509.X509CertificateGenerator.createSelfSigned({
  serialNumber: '01',
  name: 'CN=Airlock vector CA',
  notBefore: new Date('2026-01-01T00:00:00Z'),
  notAfter: new Date('2036-01-01T00:00:00Z'),
  keys: caKeys,
  signingAlgorithm: EC,
  extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
});
const caPem = ca.toString('pem');
add('spki-pin-ca-certificate', {
  title: 'The pin of a P-256 CA certificate is sha256/<base64 of SHA-256 of its DER SPKI>',
  source: 'DESIGN.md Trust model (pin sha256/<base64>); RFC 7469 §2.4 (SPKI fingerprint)',
  kind: 'spki-pin',
  input: { certificatePem: caPem },
  expect: { valid: true, result: { pin: await pinFromCertificate(caPem) } },
});

// --- Attestations -------------------------------------------------------------------------------
const enrollPayload = { code: CODE, nonce: 'RW5yb2xsTm9uY2U', iat: NOW, evidence: evidence() };
add('attestation-enroll-valid', {
  title: 'An enrollment attestation verifies with the device key it embeds',
  source: 'PROTOCOL.md Enrollment step 2',
  kind: 'enroll-attestation',
  input: { attestation: await createEnrollAttestation(device, enrollPayload), now: NOW + 5 },
  expect: { valid: true, result: { jwk: { ...device.publicJwk }, payload: enrollPayload } },
});
add('attestation-enroll-other-signer', {
  title: 'An enrollment attestation signed by a key other than its embedded jwk is refused',
  source: 'PROTOCOL.md Enrollment step 2; Errors (attestation_invalid)',
  kind: 'enroll-attestation',
  input: { attestation: await signRaw({ alg: 'ES256', typ: 'airlock-attest+jwt', jwk: device.publicJwk }, enrollPayload, other), now: NOW },
  expect: { error: 'attestation_invalid' },
});
add('attestation-enroll-stale', {
  title: 'An enrollment attestation 61 s old is refused',
  source: 'PROTOCOL.md Enrollment; Errors (attestation_invalid)',
  kind: 'enroll-attestation',
  input: { attestation: await createEnrollAttestation(device, enrollPayload), now: NOW + 61 },
  expect: { error: 'attestation_invalid' },
});
add('attestation-session-other-key', {
  title: 'A session attestation not signed by the device\'s registered key is refused',
  source: 'PROTOCOL.md Sessions (the key must be the device\'s registered key)',
  kind: 'session-attestation',
  input: { attestation: await createSessionAttestation(other, DEVICE, { nonce: 'Tm9uY2VOb25jZU5vbmNl', iat: NOW, evidence: evidence() }), registeredJwk: { ...device.publicJwk }, now: NOW },
  expect: { error: 'attestation_invalid' },
});

for (const [name, vector] of Object.entries(vectors)) {
  writeFileSync(join(VECTORS_DIR, `${name}.json`), `${JSON.stringify(vector, null, 2)}\n`);
}
console.log(`wrote ${Object.keys(vectors).length} vectors to ${VECTORS_DIR}`);
