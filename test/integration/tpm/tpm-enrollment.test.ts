/**
 * Issue 18, the gateway side, against software TPMs (swtpm with EK certificates from swtpm_setup's
 * local CA, test/helpers/swtpm.ts) and a real gateway process:
 * - a TPM enrollment is recorded as `tpm` (device list, the audit entry);
 * - refused, each with its code: a proof from another TPM (AK or certification), an EK certificate
 *   from a CA not in tpmEkCAs, a certification of a different key, a replayed activation;
 * - a "tpm" claim without proof does not count; `minKeyStorage: "tpm"` refuses a keychain device,
 *   at enrollment and at its next session;
 * - a TPM session (session key certified by the TPM key) works through chat, renewal and revocation.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnrollAttestation } from '../../../protocol/attestation/attestation.js';
import { jwkThumbprint } from '../../../protocol/dpop/thumbprint.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { createTestDevice, refusal, type GatewayClient } from '../../helpers/pinned-client.js';
import { startSwtpm, type SoftwareTpm } from '../../helpers/swtpm.js';
import {
  activate,
  certify,
  challenge,
  codeOf,
  enrollTpmDevice,
  postEnroll,
  prepareTpmEnrollment,
  requestActivation,
  tpmEnrollmentKeys,
  tpmEvidence,
  type TpmEnrollmentKeys,
} from '../../helpers/tpm-device.js';

const b64u = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

interface DeviceRow { id: string; keyStorage: string }
interface AuditRow { type: string; actor: string; details: Record<string, unknown> }

describe('TPM-bound device keys through a real gateway (swtpm)', () => {
  // A and B: two TPMs from one maker (the trusted CA); C: a TPM whose maker is not trusted.
  let tpmA: SoftwareTpm;
  let tpmB: SoftwareTpm;
  let tpmC: SoftwareTpm;
  let keysA: TpmEnrollmentKeys & { release(): Promise<void> };
  let keysB: TpmEnrollmentKeys & { release(): Promise<void> };
  let keysC: TpmEnrollmentKeys & { release(): Promise<void> };
  let gw: TestGateway;
  let client: GatewayClient;

  beforeAll(async () => {
    [tpmA, tpmC] = await Promise.all([startSwtpm(), startSwtpm()]);
    tpmB = await startSwtpm({ ca: tpmA.ca });
    [keysA, keysB, keysC] = await Promise.all([tpmEnrollmentKeys(tpmA), tpmEnrollmentKeys(tpmB), tpmEnrollmentKeys(tpmC)]);
    gw = await startGateway({ policy: { tpmEkCAs: [...tpmA.ca.pems] } });
    client = gw.client();
  }, 180_000);

  afterAll(async () => {
    await client?.close();
    await gw?.stop();
    await Promise.all([keysA?.release(), keysB?.release(), keysC?.release()]);
    await Promise.all([tpmA?.stop(), tpmB?.stop(), tpmC?.stop()]);
    await tpmA?.ca.remove();
  });

  // Each enrolled device needs a device key of its own (a key enrolls once).
  const made: Array<{ release(): Promise<void> }> = [];
  const freshKeysOfA = async () => {
    const keys = await tpmEnrollmentKeys(tpmA);
    made.push(keys);
    return keys;
  };
  afterAll(async () => {
    await Promise.all(made.map((k) => k.release()));
  });

  const devices = async () => gw.admin<DeviceRow[]>({ op: 'device.list' });
  const audit = async () => (await gw.cli(['audit', 'tail', '-n', '200', '--json'])).json<AuditRow[]>();

  const tpmEnrollment = (link: string, keys: TpmEnrollmentKeys) => prepareTpmEnrollment(client, link, keys);

  it('enrolls a TPM device and records it as tpm: device list and the enrollment audit entry', async () => {
    const device = await enrollTpmDevice(client, await gw.invite('tpm-a@example.com'), keysA);
    expect((await devices()).find((d) => d.id === device.deviceId)).toMatchObject({ keyStorage: 'tpm' });
    const entry = (await audit()).find((e) => e.type === 'enrollment' && e.actor === `device:${device.deviceId}`);
    expect(entry!.details).toMatchObject({ keyStorage: 'tpm', tpm: { akName: expect.any(String), ekFingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) } });

    // The gateway keeps public parts only: the TPM's wrapped private blob of the key is in no file
    // of its data directory (the store and its WAL included).
    const blob = Buffer.from(keysA.key.private, 'base64url');
    for (const file of await filesUnder(gw.dataDir)) {
      const content = await readFile(file);
      expect(content.includes(blob), file).toBe(false);
      expect(content.includes(Buffer.from(keysA.key.private)), file).toBe(false);
    }

    // Replaying that enrollment (same activation, same secret) is refused by the activation.
    const replayed = await refusal(postEnroll(client, device.enrollBody));
    expect(replayed.code).toBe('tpm_activation_invalid');
    expect(replayed.message).toMatch(/already used/);
  });

  it('refuses an activation whose secret is carried to another enrollment (replayed activation, new nonce)', async () => {
    const link = await gw.invite('tpm-replay@example.com', { devices: 2 });
    const first = await tpmEnrollment(link, keysA);
    // A second challenge for the same invite: the old activation is for the first nonce.
    const { nonce } = await challenge(client, first.code);
    const certified = await certify(keysA, nonce);
    const attestation = await createEnrollAttestation(keysA.signer, { code: first.code, nonce, iat: Math.floor(Date.now() / 1000), evidence: tpmEvidence(first.salt, 'm2') });
    const error = await refusal(postEnroll(client, { attestation, tpm: { ...first.proof, certifyInfo: b64u(certified.certifyInfo), certifySignature: b64u(certified.certifySignature) } }));
    expect(error.code).toBe('tpm_activation_invalid');
    expect(error.message).toMatch(/another enrollment/);
  });

  it('refuses an EK certificate from a CA not in tpmEkCAs (tpm_ek_untrusted, 403)', async () => {
    const link = await gw.invite('tpm-c@example.com');
    const code = codeOf(link);
    const { nonce } = await challenge(client, code);
    const error = await refusal(requestActivation(client, { code, nonce, ekCert: keysC.ekCert, akPublic: keysC.akPublic }));
    expect(error.status).toBe(403);
    expect(error.code).toBe('tpm_ek_untrusted');
    expect(error.message).toMatch(/not signed by a CA in policy tpmEkCAs/);
  });

  it('refuses a proof of residency from another TPM: the AK of another TPM, or its certification', async () => {
    // TPM B (same trusted maker) cannot activate a credential made to A's EK for B's AK: it sends a guess.
    const link = await gw.invite('tpm-b@example.com');
    const code = codeOf(link);
    const { nonce, salt } = await challenge(client, code);
    const activation = await requestActivation(client, { code, nonce, ekCert: keysA.ekCert, akPublic: keysB.akPublic });
    await expect(activate(keysB, activation)).rejects.toThrow(/tpm2_activatecredential failed/);
    const certifiedB = await certify(keysB, nonce);
    const attestationB = await createEnrollAttestation(keysB.signer, { code, nonce, iat: Math.floor(Date.now() / 1000), evidence: tpmEvidence(salt, 'b') });
    const guessed = await refusal(postEnroll(client, { attestation: attestationB, tpm: { activationId: activation.activationId, secret: b64u(randomBytes(32)), akPublic: b64u(keysB.akPublic), devicePublic: keysB.key.public, certifyInfo: b64u(certifiedB.certifyInfo), certifySignature: b64u(certifiedB.certifySignature) } }));
    expect(guessed.code).toBe('tpm_activation_invalid');

    // A's activation (honestly done in A) with B's AK named at enrollment: the activation names A's AK.
    const viaA = await tpmEnrollment(await gw.invite('tpm-b2@example.com'), keysA);
    const certB = await certify(keysB, viaA.nonce);
    const otherAk = await refusal(postEnroll(client, { attestation: await viaA.attestation(keysB.signer), tpm: { ...viaA.proof, akPublic: b64u(keysB.akPublic), devicePublic: keysB.key.public, certifyInfo: b64u(certB.certifyInfo), certifySignature: b64u(certB.certifySignature) } }));
    expect(otherAk.code).toBe('tpm_activation_invalid');
    expect(otherAk.message).toMatch(/another attestation key/);

    // A's activation and AK, but the device key and its certification come from B.
    const viaA2 = await tpmEnrollment(await gw.invite('tpm-b3@example.com'), keysA);
    const certB2 = await certify(keysB, viaA2.nonce);
    const otherCertifier = await refusal(postEnroll(client, { attestation: await viaA2.attestation(keysB.signer), tpm: { ...viaA2.proof, devicePublic: keysB.key.public, certifyInfo: b64u(certB2.certifyInfo), certifySignature: b64u(certB2.certifySignature) } }));
    expect(otherCertifier.status).toBe(401);
    expect(otherCertifier.code).toBe('tpm_certify_invalid');
    expect(otherCertifier.message).toMatch(/not signed by the attestation key/);
  });

  it('refuses a certification over a different key than the one enrolled (tpm_certify_invalid)', async () => {
    const attempt = await tpmEnrollment(await gw.invite('tpm-other-key@example.com'), keysA);
    // The attestation and devicePublic are a second key of the same TPM; the certification is of the first.
    const second = await tpmEnrollmentKeys(tpmA);
    try {
      const error = await refusal(postEnroll(client, { attestation: await attempt.attestation(second.signer), tpm: { ...attempt.proof, devicePublic: second.key.public } }));
      expect(error.code).toBe('tpm_certify_invalid');
      expect(error.message).toMatch(/of another key than devicePublic/);
      // And a certified key that is not the attestation's key.
      const again = await tpmEnrollment(await gw.invite('tpm-other-key2@example.com'), keysA);
      const mismatch = await refusal(postEnroll(client, { attestation: await again.attestation(second.signer), tpm: again.proof }));
      expect(mismatch.code).toBe('tpm_certify_invalid');
      expect(mismatch.message).toMatch(/not the key that signed the attestation/);
    } finally {
      await second.release();
    }
  });

  it('does not count a "tpm" claim without a proof', async () => {
    const device = await createTestDevice(client);
    const error = await refusal(device.enroll(await gw.invite('claim@example.com'), { evidence: { keyStorage: 'tpm' } }));
    expect(error.code).toBe('attestation_invalid');
    expect(error.message).toMatch(/no TPM proof/);
  });

  it('runs a TPM session through chat, renewal and revocation; every proof is the session key\'s', async () => {
    const keys = await freshKeysOfA();
    const device = await enrollTpmDevice(client, await gw.invite('tpm-session@example.com'), keys);
    const { device: session } = await device.session();
    const chat = { model: 'airlock-demo', messages: [{ role: 'user', content: 'hello from a TPM' }] };
    const answer = await session.fetch('POST', '/v1/chat/completions', { body: chat });
    expect(answer.status).toBe(200);
    // The token is bound to the session key: a proof by the TPM device key itself is refused.
    const claims = JSON.parse(Buffer.from(session.accessToken!.split('.')[1]!, 'base64url').toString()) as { cnf: { jkt: string } };
    expect(claims.cnf.jkt).toBe(session.jkt);
    expect(claims.cnf.jkt).not.toBe(await jwkThumbprint(keys.key.publicJwk));
    const byDeviceKey = await createTestDevice(client, { signer: keys.signer });
    byDeviceKey.nonce = session.nonce;
    expect((await byDeviceKey.fetch('GET', '/v1/models', { accessToken: session.accessToken! })).errorCode).toBe('dpop_invalid');

    // A session without sessionJkt, or whose proof is not the named session key's, is refused.
    expect((await refusal(device.session({ sessionJkt: null }))).code).toBe('attestation_invalid');
    expect((await refusal(device.session({ proofSigner: 'device' }))).code).toBe('dpop_invalid');

    // Renewal: a new session key, certified by the TPM key again; the new token works.
    const { device: renewed } = await device.session();
    expect(renewed.jkt).not.toBe(session.jkt);
    expect((await renewed.fetch('POST', '/v1/chat/completions', { body: chat })).status).toBe(200);

    await gw.admin({ op: 'device.revoke', id: device.deviceId, reason: 'test' });
    expect((await renewed.fetch('GET', '/v1/models')).errorCode).toBe('device_revoked');
    expect((await refusal(device.session())).code).toBe('device_revoked');
  });

  it('minKeyStorage "tpm" refuses a keychain device at enrollment and at its next session, and admits the TPM device', async () => {
    const keychain = await gw.enrolledDevice('keychain-before@example.com');
    const tpmDevice = await enrollTpmDevice(client, await gw.invite('tpm-policy@example.com'), await freshKeysOfA());
    const path = join(gw.dataDir, 'policy.json');
    const current = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    await writeFile(path, JSON.stringify({ ...current, minKeyStorage: 'tpm' }), { mode: 0o600 });
    await gw.admin({ op: 'policy.reload' });

    const newcomer = await createTestDevice(client);
    const atEnroll = await refusal(newcomer.enroll(await gw.invite('keychain-new@example.com')));
    expect(atEnroll.status).toBe(403);
    expect(atEnroll.code).toBe('tpm_required');
    expect(atEnroll.message).toMatch(/TPM 2\.0/);
    const atSession = await refusal(keychain.session());
    expect(atSession.code).toBe('tpm_required');
    // A keychain key claiming "tpm" in its evidence is still keychain.
    expect((await refusal(keychain.session({ evidence: { keyStorage: 'tpm' } }))).code).toBe('tpm_required');

    const { device: session } = await tpmDevice.session();
    expect((await session.fetch('GET', '/v1/models')).status).toBe(200);
    await writeFile(path, JSON.stringify(current), { mode: 0o600 });
    await gw.admin({ op: 'policy.reload' });
  });
});
