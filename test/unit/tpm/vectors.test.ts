/**
 * The gateway's TPM proof checks driven by test/fixtures/tpm/vectors.json (made from swtpm by
 * test/fixtures/tpm/generate.ts): parsing, Names (against tpm2-tools' own), the EK certificate
 * against tpmEkCAs, the certification, MakeCredential from a seed the TPM activated, and refusals.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verifyEnrollAttestation } from '../../../protocol/attestation/attestation.js';
import { isAirlockError } from '../../../protocol/errors.js';
import type { TpmEnrollProof } from '../../../protocol/schemas/tpm.js';
import { parseTpmsAttest, parseTpmtSignature } from '../../../protocol/tpm/attest.js';
import { TPM_ALG, TPM_ECC_NIST_P256, TPM_GENERATED_VALUE, TPM_ST_ATTEST_CREATION } from '../../../protocol/tpm/constants.js';
import { p256JwkOfTpmPublic } from '../../../protocol/tpm/key-jwk.js';
import { tpmName } from '../../../protocol/tpm/name.js';
import { hasAttribute, parseTpm2bPublic } from '../../../protocol/tpm/public-area.js';
import { TpmParseError } from '../../../protocol/tpm/reader.js';
import { attestationKeyOf, verifyCertification } from '../../../gateway/tpm-attestation/certification.js';
import { ekCaProblem, verifyEkCertificate } from '../../../gateway/tpm-attestation/ek-certificate.js';
import { credentialBlobFromSeed } from '../../../gateway/tpm-attestation/make-credential.js';
import { checkPolicyText } from '../../../gateway/policy/check.js';

interface Vectors {
  generatedAt: string;
  ca: { rootPem: string; issuerPem: string };
  ekCert: string;
  akPublic: string;
  akName: string;
  device: { public: string; jwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string }; name: string };
  otherDevice: { public: string; jwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string } };
  nonce: string;
  certifyInfo: string;
  certifySignature: string;
  otherDeviceCertifyInfo: string;
  otherDeviceCertifySignature: string;
  enrollAttestation: string;
  makeCredential: { seed: string; secret: string; credentialBlob: string; encryptedSecret: string };
}

const v = JSON.parse(readFileSync(new URL('../../fixtures/tpm/vectors.json', import.meta.url), 'utf8')) as Vectors;
const bytes = (b64u: string): Uint8Array => new Uint8Array(Buffer.from(b64u, 'base64url'));
const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
const at = new Date(Date.parse(v.generatedAt) + 60_000);
const proof = (overrides: Partial<TpmEnrollProof> = {}): TpmEnrollProof => ({
  activationId: 'x',
  secret: 'A'.repeat(43),
  akPublic: v.akPublic,
  devicePublic: v.device.public,
  certifyInfo: v.certifyInfo,
  certifySignature: v.certifySignature,
  ...overrides,
});

async function refusalOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isAirlockError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('TPM structures (protocol/tpm) on swtpm vectors', () => {
  it('parses the AK (restricted ECDSA-SHA256 P-256) and the device key (sign-only P-256); Names equal tpm2-tools\'', async () => {
    const ak = parseTpm2bPublic(bytes(v.akPublic));
    expect(ak).toMatchObject({ type: TPM_ALG.ECC, nameAlg: TPM_ALG.SHA256, scheme: TPM_ALG.ECDSA, schemeHash: TPM_ALG.SHA256, key: { kind: 'ecc', curve: TPM_ECC_NIST_P256 } });
    expect(['restricted', 'sign', 'fixedTPM', 'fixedParent', 'sensitiveDataOrigin'].every((a) => hasAttribute(ak, a as 'sign'))).toBe(true);
    expect(hasAttribute(ak, 'decrypt')).toBe(false);
    expect(b64u(await tpmName(ak))).toBe(v.akName);
    const device = parseTpm2bPublic(bytes(v.device.public));
    expect(hasAttribute(device, 'sign') && !hasAttribute(device, 'decrypt') && !hasAttribute(device, 'restricted')).toBe(true);
    expect(b64u(await tpmName(device))).toBe(v.device.name);
    expect(p256JwkOfTpmPublic(device)).toEqual(v.device.jwk);
  });

  it('parses the CertifyCreation: magic, type, qualifying data, the device key\'s Name; and the AK\'s ECDSA signature', () => {
    const attest = parseTpmsAttest(bytes(v.certifyInfo));
    expect(attest.magic).toBe(TPM_GENERATED_VALUE);
    expect(attest.type).toBe(TPM_ST_ATTEST_CREATION);
    expect(b64u(attest.certified!.name)).toBe(v.device.name);
    expect(parseTpmtSignature(bytes(v.certifySignature))).toMatchObject({ alg: TPM_ALG.ECDSA, hash: TPM_ALG.SHA256 });
  });

  it('refuses truncated, padded and oversized structures with TpmParseError, never reading past the end', () => {
    const pub = bytes(v.akPublic);
    expect(() => parseTpm2bPublic(pub.subarray(0, pub.length - 1))).toThrow(TpmParseError);
    expect(() => parseTpm2bPublic(new Uint8Array([...pub, 0]))).toThrow(/trailing/);
    const info = bytes(v.certifyInfo);
    for (let n = 0; n < info.length; n += 7) expect(() => parseTpmsAttest(info.subarray(0, n))).toThrow(TpmParseError);
    expect(() => parseTpmsAttest(new Uint8Array([...info, 1]))).toThrow(/trailing/);
    expect(() => parseTpmsAttest(new Uint8Array(2000))).toThrow(/more than 1024/);
    expect(() => parseTpmtSignature(new Uint8Array([0x00, 0x18, 0x00, 0x0b, 0xff, 0xff]))).toThrow(/more than 66/);
  });
});

describe('the gateway\'s TPM proof checks on swtpm vectors', () => {
  it('trusts the EK certificate through the CA that issued it, and only then', async () => {
    const ekCert = bytes(v.ekCert);
    const trusted = await verifyEkCertificate(ekCert, [v.ca.rootPem, v.ca.issuerPem], at);
    expect(trusted.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    // The issuing intermediate alone is enough (the list is an allow-list); the root alone is not.
    await expect(verifyEkCertificate(ekCert, [v.ca.issuerPem], at)).resolves.toBeTruthy();
    expect((await refusalOf(verifyEkCertificate(ekCert, [v.ca.rootPem], at))).code).toBe('tpm_ek_untrusted');
    expect((await refusalOf(verifyEkCertificate(ekCert, [], at))).message).toMatch(/tpmEkCAs is empty/);
    expect((await refusalOf(verifyEkCertificate(new Uint8Array([...ekCert, 0]), [v.ca.issuerPem], at))).message).toMatch(/bytes after the certificate/);
    expect((await refusalOf(verifyEkCertificate(ekCert, [v.ca.issuerPem], new Date(Date.parse(v.generatedAt) - 86_400_000)))).message).toMatch(/expired or not yet valid/);
    const tampered = ekCert.slice();
    tampered[tampered.length - 10]! ^= 0xff;
    expect((await refusalOf(verifyEkCertificate(tampered, [v.ca.issuerPem], at))).code).toBe('tpm_ek_untrusted');
    expect(ekCaProblem(v.ca.issuerPem)).toBeNull();
    expect(ekCaProblem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----')).toMatch(/not an X\.509 certificate/);
  });

  it('derives the credential the TPM activated from its seed (MakeCredential)', () => {
    const { seed, secret, credentialBlob } = v.makeCredential;
    expect(b64u(credentialBlobFromSeed(bytes(seed), bytes(v.akName), bytes(secret)))).toBe(credentialBlob);
    // Another AK Name gives another credential: the TPM would refuse it beside this AK.
    const otherName = bytes(v.akName);
    otherName[5]! ^= 1;
    expect(b64u(credentialBlobFromSeed(bytes(seed), otherName, bytes(secret)))).not.toBe(credentialBlob);
  });

  it('accepts the certification of the attestation\'s key, and refuses every swap with tpm_certify_invalid', async () => {
    const { jwk, payload } = await verifyEnrollAttestation(v.enrollAttestation, { now: Math.floor(Date.parse(v.generatedAt) / 1000) });
    expect(jwk).toMatchObject(v.device.jwk);
    const { ak } = await attestationKeyOf(v.akPublic);
    await expect(verifyCertification(proof(), ak, jwk, payload.nonce)).resolves.toBeUndefined();

    const refused = async (p: TpmEnrollProof, key = jwk, nonce = payload.nonce) => {
      const r = await refusalOf(verifyCertification(p, ak, key, nonce));
      expect(r.code).toBe('tpm_certify_invalid');
      return r.message;
    };
    expect(await refused(proof(), jwk, 'another-nonce')).toMatch(/qualifying data/);
    expect(await refused(proof({ devicePublic: v.otherDevice.public }), v.otherDevice.jwk)).toMatch(/of another key than devicePublic/);
    expect(await refused(proof({ devicePublic: v.otherDevice.public }))).toMatch(/not the key that signed the attestation/);
    const sig = bytes(v.certifySignature);
    sig[sig.length - 1]! ^= 1;
    expect(await refused(proof({ certifySignature: b64u(sig) }))).toMatch(/not signed by the attestation key/);
    const info = bytes(v.certifyInfo);
    info[0] = 0;
    expect(await refused(proof({ certifyInfo: b64u(info) }))).toMatch(/magic/);
    // The other key's own certification is fine for it, and not for this one.
    await expect(verifyCertification(proof({ devicePublic: v.otherDevice.public, certifyInfo: v.otherDeviceCertifyInfo, certifySignature: v.otherDeviceCertifySignature }), ak, v.otherDevice.jwk, payload.nonce)).resolves.toBeUndefined();
    expect(await refused(proof({ certifyInfo: v.otherDeviceCertifyInfo, certifySignature: v.otherDeviceCertifySignature }))).toMatch(/of another key/);
  });

  it('refuses an AK that is not a restricted signing key of its TPM (the device key offered as AK)', async () => {
    const r = await refusalOf(attestationKeyOf(v.device.public));
    expect(r.code).toBe('tpm_certify_invalid');
    expect(r.message).toMatch(/not restricted/);
  });

  it('policy check refuses a tpmEkCAs entry that is not a CA certificate, naming it', () => {
    const leafPem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(v.ekCert, 'base64url').toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
    expect(checkPolicyText(JSON.stringify({ tpmEkCAs: [v.ca.rootPem, v.ca.issuerPem] }))).toMatchObject({ ok: true });
    expect(checkPolicyText(JSON.stringify({ tpmEkCAs: [v.ca.rootPem, leafPem] }))).toEqual({ ok: false, errors: [expect.stringMatching(/^field "tpmEkCAs\.1": it is not a CA certificate/)] });
  });
});
