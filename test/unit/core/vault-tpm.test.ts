/**
 * The vault with a TPM device key (issue 18): the keychain entry keeps only the key's public part
 * and the TPM's wrapped blob, read back through zod; anything more (a private scalar) is refused.
 */
import { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { b64uEncode } from '../../../protocol/encoding.js';
import { generateEphemeralSigner } from '../../../protocol/jws/signer.js';
import { DEFAULT_POLICY, toClientPolicy } from '../../../protocol/schemas/policy.js';
import { STORAGE_PARENT, type TpmKeyRecord } from '../../../main/core/tpm/key-record.js';
import type { TpmTools } from '../../../main/core/tpm/tpm-tools.js';
import { MAX_KEYCHAIN_ENTRY_BYTES, type EnrollmentRecord } from '../../../main/core/vault/record.js';
import { createVault, KEYCHAIN_SERVICE } from '../../../main/core/vault/vault.js';
import { createTestCa } from './support/pki.js';
import { memoryCaFiles } from './support/memory-ca-files.js';
import { memoryKeychain } from './support/memory-keychain.js';
import { memoryLogger } from './support/memory-logger.js';

/** Never asked to run anything here: loading and saving a TPM key needs no TPM, only signing does. */
const unusedTpm: TpmTools = {
  tcti: 'swtpm:host=127.0.0.1,port=1',
  run: () => Promise.reject(new Error('no TPM in this test')),
  inWorkDir: () => Promise.reject(new Error('no TPM in this test')),
  openWorkDir: () => Promise.reject(new Error('no TPM in this test')),
};

async function tpmKey(): Promise<TpmKeyRecord> {
  const { publicJwk } = await generateEphemeralSigner();
  // Sizes as tpm2_create writes them for an ECC P-256 key: TPM2B_PUBLIC 90 bytes, TPM2B_PRIVATE 128.
  return { kind: 'tpm', publicJwk, public: b64uEncode(webcrypto.getRandomValues(new Uint8Array(90))), private: b64uEncode(webcrypto.getRandomValues(new Uint8Array(128))), parent: STORAGE_PARENT };
}

async function record(gateway: string): Promise<EnrollmentRecord> {
  const ca = await createTestCa();
  return { gateway, pins: [ca.pin], caPems: [ca.certPem], deviceId: 'dev_0123456789abcdefXYZ', tester: 'tester@example.com', salt: 'c2FsdHNhbHRzYWx0c2FsdA', enrolledAt: new Date().toISOString(), policy: toClientPolicy(DEFAULT_POLICY) };
}

describe('vault with a TPM key', () => {
  it('keeps only the public part and the wrapped blob, and loads it back as a tpm identity', async () => {
    const keychain = memoryKeychain();
    const vault = createVault({ keychain, logger: memoryLogger(), cas: memoryCaFiles(), tpm: unusedTpm });
    const key = await tpmKey();
    const rec = await record('https://gw.example:8443');
    const saved = await vault.adoptTpmKey(key).save(rec);
    expect(saved.keyStorage).toBe('tpm');
    const secret = keychain.entries.get(`${KEYCHAIN_SERVICE}\u0000https://gw.example:8443`)!;
    expect(Buffer.byteLength(secret)).toBeLessThanOrEqual(MAX_KEYCHAIN_ENTRY_BYTES);
    const entry = JSON.parse(secret) as { v: number; key: Record<string, unknown> };
    expect(entry.v).toBe(2);
    expect(Object.keys(entry.key).sort()).toEqual(['kind', 'parent', 'private', 'public', 'publicJwk']);
    expect(Object.keys(entry.key.publicJwk as object).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    const loaded = await vault.load();
    expect(loaded?.keyStorage).toBe('tpm');
    expect(loaded?.record).toEqual(rec);
    expect(loaded?.signer.publicJwk).toEqual(key.publicJwk);
  });

  it('refuses a TPM entry that carries anything more (a private scalar): ignored, not trusted', async () => {
    const keychain = memoryKeychain();
    const logger = memoryLogger();
    const vault = createVault({ keychain, logger, cas: memoryCaFiles(), tpm: unusedTpm });
    await vault.adoptTpmKey(await tpmKey()).save(await record('https://gw.example'));
    const [k, secret] = [...keychain.entries][0]!;
    for (const tamper of [
      (e: { key: Record<string, unknown> }) => ({ ...e, key: { ...e.key, d: b64uEncode(new Uint8Array(32)) } }),
      (e: { key: Record<string, unknown> }) => ({ ...e, key: { ...e.key, publicJwk: { ...(e.key.publicJwk as object), d: b64uEncode(new Uint8Array(32)) } } }),
      (e: { key: Record<string, unknown> }) => ({ ...e, key: { ...e.key, parent: 'endorsement' } }),
    ]) {
      keychain.entries.set(k, JSON.stringify(tamper(JSON.parse(secret) as { key: Record<string, unknown> })));
      expect(await vault.load()).toBeNull();
    }
    expect(logger.lines.some((l) => l.message.includes('not an Airlock enrollment'))).toBe(true);
  });

  it('an app without a TPM cannot make or load a TPM key', async () => {
    const keychain = memoryKeychain();
    const withTpm = createVault({ keychain, logger: memoryLogger(), cas: memoryCaFiles(), tpm: unusedTpm });
    await withTpm.adoptTpmKey(await tpmKey()).save(await record('https://gw.example'));
    const without = createVault({ keychain, logger: memoryLogger(), cas: memoryCaFiles() });
    await expect(without.load()).rejects.toThrow(/no TPM is configured/);
    expect(() => without.adoptTpmKey({} as TpmKeyRecord)).toThrow(/no TPM is configured/);
  });
});
