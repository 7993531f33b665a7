/**
 * The gateway's MakeCredential against tpm2-tools' own (`tpm2_makecredential -T none`, no TPM):
 * with an RSA 2048 "EK" whose private key the test holds, the seed tpm2-tools wrapped is recovered
 * by RSA-OAEP (SHA-256, label "IDENTITY\0"); from that seed the gateway's credential blob must be
 * byte for byte tpm2-tools' one, and the file layout tpm2_activatecredential reads must match.
 */
import { execFile } from 'node:child_process';
import { constants, generateKeyPairSync, privateDecrypt, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialFile, parseCredentialFile } from '../../../protocol/tpm/credential-file.js';
import { credentialBlobFromSeed, makeCredential } from '../../../gateway/tpm-attestation/make-credential.js';

const run = promisify(execFile);

describe('MakeCredential (gateway/tpm-attestation) against tpm2_makecredential -T none', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-makecred-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('derives the same TPM2B_ID_OBJECT from the same seed, in the same file layout', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const name = Buffer.concat([Buffer.from([0x00, 0x0b]), randomBytes(32)]);
    const secret = randomBytes(32);
    await writeFile(join(dir, 'ek.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    await writeFile(join(dir, 'secret.bin'), secret);
    await run('tpm2_makecredential', ['-T', 'none', '-u', join(dir, 'ek.pem'), '-G', 'rsa', '-s', join(dir, 'secret.bin'), '-n', name.toString('hex'), '-o', join(dir, 'cred.out')]);
    const theirs = parseCredentialFile(new Uint8Array(await readFile(join(dir, 'cred.out'))));
    expect(theirs).not.toBeNull();
    const seed = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from('IDENTITY\0', 'latin1') },
      Buffer.from(theirs!.encryptedSecret.subarray(2)),
    );
    expect(seed.length).toBe(32);
    expect(Buffer.from(credentialBlobFromSeed(seed, name, secret)).toString('hex')).toBe(Buffer.from(theirs!.credentialBlob).toString('hex'));

    const ours = makeCredential(publicKey, name, secret);
    const file = credentialFile(ours.credentialBlob, ours.encryptedSecret);
    expect(file.length).toBe((await readFile(join(dir, 'cred.out'))).length);
    const split = parseCredentialFile(file);
    expect(Buffer.from(split!.credentialBlob)).toEqual(ours.credentialBlob);
    const ourSeed = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from('IDENTITY\0', 'latin1') },
      ours.encryptedSecret.subarray(2),
    );
    expect(credentialBlobFromSeed(ourSeed, name, secret)).toEqual(ours.credentialBlob);
  });
});
