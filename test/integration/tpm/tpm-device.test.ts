/**
 * main/core/tpm against a software TPM (test/helpers/swtpm.ts): the device key is made in the TPM,
 * signs ES256 that verifies with its public JWK, is certified by the AK over the qualifying data,
 * the credential activation releases the secret only beside the AK it names, and the keychain
 * record holds only the public part and the wrapped blob, which another TPM cannot use.
 */
import { execFile } from 'node:child_process';
import { createHash, webcrypto, X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { compactVerify, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCompact } from '../../../protocol/jws/compact.js';
import { tpmKeyRecord, type TpmKeyRecord } from '../../../main/core/tpm/key-record.js';
import { parseEccP256Public } from '../../../main/core/tpm/structures.js';
import {
  activateCredential,
  certifyDeviceKey,
  createAk,
  createDeviceKey,
  createEk,
  readEkCertificate,
  tpmSigner,
} from '../../../main/core/tpm/tpm-device.js';
import { createTpmTools, type TpmTools, type WorkDir } from '../../../main/core/tpm/tpm-tools.js';
import { detectTpm } from '../../../main/core/tpm/detect.js';
import { startSwtpm, type SoftwareTpm } from '../../helpers/swtpm.js';

const run = promisify(execFile);
const sha256 = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();

/** Name = nameAlg ‖ SHA-256(TPMT_PUBLIC) (TPM2B_PUBLIC without its size prefix). */
function tpmName(tpm2bPublic: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([0x00, 0x0b]), sha256(tpm2bPublic.subarray(2))]);
}

async function verifyEs256(jwk: { x: string; y: string }, data: Uint8Array, rs: Uint8Array): Promise<boolean> {
  const key = await webcrypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  return webcrypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, rs, data);
}

describe('main/core/tpm with a software TPM', () => {
  let tpm: SoftwareTpm;
  let other: SoftwareTpm;
  let tmpRoot: string;
  let tools: TpmTools;
  let otherTools: TpmTools;
  let dir: WorkDir;
  let record: TpmKeyRecord;
  let akPublic: Uint8Array;

  beforeAll(async () => {
    [tpm, other] = await Promise.all([startSwtpm(), startSwtpm()]);
    tmpRoot = await mkdtemp(join(tmpdir(), 'airlock-tpm-test-'));
    tools = createTpmTools({ tcti: tpm.tcti, tmpRoot });
    otherTools = createTpmTools({ tcti: other.tcti, tmpRoot });
    dir = await tools.openWorkDir();
  }, 120_000);

  afterAll(async () => {
    await dir?.remove();
    await Promise.all([tpm?.stop(), other?.stop()]);
    if (tmpRoot) await rm(tmpRoot, { recursive: true, force: true });
  });

  it('detects the software TPM as usable', async () => {
    expect(await detectTpm({ tools })).toEqual({ usable: true, tcti: tpm.tcti });
  });

  it('works in a private 0700 directory', async () => {
    expect((await stat(dir.path)).mode & 0o777).toBe(0o700);
  });

  it('reads the RSA EK certificate, issued by the TPM\'s CA', async () => {
    const ek = await readEkCertificate(tools, dir);
    expect(ek.keyType).toBe('rsa');
    const cert = new X509Certificate(ek.der);
    expect(cert.verify(new X509Certificate(tpm.ca.issuerPem).publicKey)).toBe(true);
    await createEk(tools, dir, ek.keyType);
    // The EK made from the default template is the key the certificate names.
    const { stdout } = await run('tpm2_readpublic', ['-c', dir.file('ek.ctx'), '-f', 'pem', '-o', dir.file('ek.pem')], { env: { ...process.env, TPM2TOOLS_TCTI: tpm.tcti } });
    expect(stdout.length).toBeGreaterThan(0);
    await run('tpm2_flushcontext', ['-t'], { env: { ...process.env, TPM2TOOLS_TCTI: tpm.tcti } });
    expect(cert.publicKey.export({ format: 'pem', type: 'spki' })).toBe(await readFile(dir.file('ek.pem'), 'utf8'));
  });

  it('makes the device key inside the TPM: ECC P-256, sign-only, fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth', async () => {
    akPublic = await createAk(tools, dir);
    record = await createDeviceKey(tools, dir);
    const pub = parseEccP256Public(Buffer.from(record.public, 'base64url'));
    // sign 18, userWithAuth 6, sensitiveDataOrigin 5, fixedParent 4, fixedTPM 1; not decrypt 17, not restricted 16
    expect(pub.objectAttributes).toBe((1 << 18) | (1 << 6) | (1 << 5) | (1 << 4) | (1 << 1));
  });

  it('certifies the device key by the AK over the qualifying data (TPM2_CertifyCreation)', async () => {
    const qualifying = sha256(Buffer.from('enrollment-nonce', 'utf8'));
    const { certifyInfo, certifySignature } = await certifyDeviceKey(tools, dir, qualifying);
    const info = Buffer.from(certifyInfo);
    expect(info.readUInt32BE(0)).toBe(0xff544347); // TPM_GENERATED_VALUE
    expect(info.readUInt16BE(4)).toBe(0x801a); // TPM_ST_ATTEST_CREATION
    let at = 6;
    const signerName = info.subarray(at + 2, at + 2 + info.readUInt16BE(at));
    expect(signerName.toString('hex').startsWith('000b')).toBe(true);
    at += 2 + signerName.length;
    const extra = info.subarray(at + 2, at + 2 + info.readUInt16BE(at));
    expect(Buffer.from(extra).equals(qualifying)).toBe(true);
    at += 2 + extra.length + 17 + 8; // clockInfo, firmwareVersion
    const objectName = info.subarray(at + 2, at + 2 + info.readUInt16BE(at));
    expect(objectName.equals(tpmName(Buffer.from(record.public, 'base64url')))).toBe(true);
    // The signature is the AK's, over SHA-256(certifyInfo).
    const ak = parseEccP256Public(akPublic);
    const { ecdsaSignatureToJose } = await import('../../../main/core/tpm/structures.js');
    const rs = ecdsaSignatureToJose(certifySignature);
    expect(await verifyEs256({ x: Buffer.from(ak.x).toString('base64url'), y: Buffer.from(ak.y).toString('base64url') }, certifyInfo, rs)).toBe(true);
  });

  it('activates a credential made for its AK and EK, and not one made for another TPM\'s AK', async () => {
    const env = { ...process.env, TPM2TOOLS_TCTI: tpm.tcti };
    const secret = webcrypto.getRandomValues(new Uint8Array(32));
    const made = async (akName: Buffer): Promise<{ blob: Uint8Array; encrypted: Uint8Array }> => {
      const inSecret = await dir.write('mk-secret', secret);
      await run('tpm2_makecredential', ['-T', 'none', '-u', dir.file('ek.pub'), '-s', inSecret, '-n', akName.toString('hex'), '-o', dir.file('mk.out')], { env });
      const file = Buffer.from(await dir.read('mk.out'));
      const blobLen = 2 + file.readUInt16BE(8);
      return { blob: file.subarray(8, 8 + blobLen), encrypted: file.subarray(8 + blobLen) };
    };
    const mine = await made(tpmName(akPublic));
    expect(Buffer.from(await activateCredential(tools, dir, mine.blob, mine.encrypted)).equals(Buffer.from(secret))).toBe(true);

    const otherDir = await otherTools.openWorkDir();
    try {
      const otherEk = await readEkCertificate(otherTools, otherDir);
      await createEk(otherTools, otherDir, otherEk.keyType);
      const otherAk = await createAk(otherTools, otherDir);
      const theirs = await made(tpmName(otherAk));
      await expect(activateCredential(tools, dir, theirs.blob, theirs.encrypted)).rejects.toThrow(/tpm2_activatecredential failed/);
    } finally {
      await otherDir.remove();
    }
  });

  it('signs ES256 (JWS) that verifies with the record\'s public JWK', async () => {
    const signer = tpmSigner(tools, record);
    const data = new TextEncoder().encode('header.payload');
    const rs = await signer.sign(data);
    expect(rs.length).toBe(64);
    expect(await verifyEs256(record.publicJwk, data, rs)).toBe(true);
    const jws = await signCompact({ alg: 'ES256', typ: 'airlock-attest+jwt', jwk: signer.publicJwk }, { hello: 'tpm' }, signer);
    const verified = await compactVerify(jws, await importJWK(record.publicJwk, 'ES256'));
    expect(JSON.parse(new TextDecoder().decode(verified.payload))).toEqual({ hello: 'tpm' });
  });

  it('keeps only the public part and the wrapped blob: the record is schema-checked, and the blob is useless in another TPM', async () => {
    expect(tpmKeyRecord.parse(JSON.parse(JSON.stringify(record)))).toEqual(record);
    expect(Object.keys(record).sort()).toEqual(['kind', 'parent', 'private', 'public', 'publicJwk']);
    expect(tpmKeyRecord.safeParse({ ...record, d: 'AAAA' }).success).toBe(false);
    expect(tpmKeyRecord.safeParse({ ...record, publicJwk: { ...record.publicJwk, d: record.publicJwk.x } }).success).toBe(false);
    await expect(tpmSigner(otherTools, record).sign(new Uint8Array([1, 2, 3]))).rejects.toThrow(/tpm2_load failed/);
    // ... while the TPM that made it still signs with it.
    expect(await tpmSigner(tools, record).sign(new Uint8Array([1, 2, 3]))).toHaveLength(64);
  });

  it('leaves no file behind: every work directory is removed after its operation', async () => {
    expect((await readdir(tmpRoot)).filter((name) => join(tmpRoot, name) !== dir.path)).toEqual([]);
  });
});
