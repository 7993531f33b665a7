import { execFile } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { verifyCompactEs256, signCompact } from '../../../protocol/jws/compact.js';
import { DEFAULT_POLICY, toClientPolicy } from '../../../protocol/schemas/policy.js';
import { ClientError } from '../../../main/core/errors.js';
import { createKeytarKeychain } from '../../../main/core/keychain/keytar-keychain.js';
import { caFilesIn } from '../../../main/core/vault/ca-files.js';
import { MAX_KEYCHAIN_ENTRY_BYTES } from '../../../main/core/vault/record.js';
import { createVault, KEYCHAIN_PROBE_SERVICE, KEYCHAIN_SERVICE } from '../../../main/core/vault/vault.js';
import type { EnrollmentRecord } from '../../../main/core/vault/record.js';
import { createTestCa } from './support/pki.js';
import { memoryCaFiles } from './support/memory-ca-files.js';
import { memoryKeychain } from './support/memory-keychain.js';
import { memoryLogger } from './support/memory-logger.js';

const run = promisify(execFile);

async function record(gateway: string): Promise<EnrollmentRecord> {
  const ca = await createTestCa();
  return {
    gateway,
    pins: [ca.pin],
    caPems: [ca.certPem],
    deviceId: 'dev_0123456789abcdefXYZ',
    tester: 'tester@example.com',
    salt: 'c2FsdHNhbHRzYWx0c2FsdA',
    enrolledAt: new Date().toISOString(),
    policy: toClientPolicy(DEFAULT_POLICY),
  };
}

describe('vault (in-memory keychain)', () => {
  it('keeps the key and record in one entry per gateway, signs without exposing the key, and wipes it', async () => {
    const keychain = memoryKeychain();
    const logger = memoryLogger();
    const vault = createVault({ keychain, logger, cas: memoryCaFiles() });
    expect(await vault.load()).toBeNull();
    const key = await vault.createKey();
    const rec = await record('https://gw.example:8443');
    await key.save(rec);
    expect([...keychain.entries.keys()]).toEqual([`${KEYCHAIN_SERVICE}\u0000https://gw.example:8443`]);

    const loaded = await vault.load();
    expect(loaded?.record).toEqual(rec);
    expect(loaded?.signer.publicJwk).toEqual(key.signer.publicJwk);
    // The signer is an API: it signs, and has nothing private to hand out.
    expect(Object.keys(loaded!.signer).sort()).toEqual(['publicJwk', 'sign']);
    expect(JSON.stringify(loaded!.signer.publicJwk)).not.toContain('"d"');
    const jws = await signCompact({ alg: 'ES256', typ: 'test' }, { hello: 1 }, loaded!.signer);
    expect((await verifyCompactEs256(jws, loaded!.signer.publicJwk)).payload).toEqual({ hello: 1 });

    await vault.wipe(rec.gateway);
    expect(keychain.entries.size).toBe(0);
    expect(await vault.load()).toBeNull();
    expect(logger.lines).toEqual([]);
  });

  it('reads keychain contents through zod: a tampered entry is ignored, not trusted', async () => {
    const keychain = memoryKeychain();
    const logger = memoryLogger();
    const vault = createVault({ keychain, logger, cas: memoryCaFiles() });
    const rec = await record('https://gw.example');
    await (await vault.createKey()).save(rec);
    const [k, secret] = [...keychain.entries][0]!;
    const entry = JSON.parse(secret) as { record: { pins: string[] } };
    entry.record.pins = ['sha256/not-a-pin'];
    keychain.entries.set(k, JSON.stringify(entry));
    expect(await vault.load()).toBeNull();
    keychain.entries.set(k, 'not json');
    expect(await vault.load()).toBeNull();
    expect(logger.text()).toMatch(/not an Airlock enrollment/);
  });
});

describe('vault: a small keychain entry, CAs on disk', () => {
  it('keeps the keychain entry under 2,048 bytes with four CAs and the longest fields', async () => {
    const keychain = memoryKeychain();
    const cas = memoryCaFiles();
    const vault = createVault({ keychain, logger: memoryLogger(), cas });
    const four = await Promise.all([0, 1, 2, 3].map(() => createTestCa()));
    const rec: EnrollmentRecord = {
      ...(await record(`https://${'g'.repeat(60)}.${'h'.repeat(60)}.example:65535`)),
      pins: [four[0]!.pin, four[1]!.pin],
      caPems: four.map((ca) => ca.certPem),
      tester: `${'t'.repeat(64)}@${'e'.repeat(60)}.example`,
    };
    expect(rec.caPems.join('').length).toBeGreaterThan(2048);
    await (await vault.createKey()).save(rec);
    const [secret] = [...keychain.entries.values()];
    expect(Buffer.byteLength(secret!, 'utf8')).toBeLessThan(MAX_KEYCHAIN_ENTRY_BYTES);
    expect(secret).not.toContain('BEGIN CERTIFICATE');
    expect(cas.files.get(rec.gateway)).toEqual(rec.caPems);
    expect((await vault.load())?.record).toEqual(rec);
  });

  it('reads an entry of the first format (CAs inside) and rewrites it small, CAs to disk', async () => {
    const keychain = memoryKeychain();
    const cas = memoryCaFiles();
    const vault = createVault({ keychain, logger: memoryLogger(), cas });
    const rec = await record('https://old.example');
    const pair = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign'])) as CryptoKeyPair;
    const { kty, crv, x, y, d } = await webcrypto.subtle.exportKey('jwk', pair.privateKey);
    const key = { kty, crv, x, y, d };
    keychain.entries.set(`${KEYCHAIN_SERVICE}\u0000${rec.gateway}`, JSON.stringify({ v: 1, key, record: rec }));
    const loaded = await vault.load();
    expect(loaded?.record).toEqual(rec);
    expect(loaded?.signer.publicJwk).toMatchObject({ x: key.x, y: key.y });
    const rewritten = JSON.parse(keychain.entries.get(`${KEYCHAIN_SERVICE}\u0000${rec.gateway}`)!) as { v: number; record: Record<string, unknown> };
    expect(rewritten.v).toBe(2);
    expect(rewritten.record).not.toHaveProperty('caPems');
    expect(cas.files.get(rec.gateway)).toEqual(rec.caPems);
    expect((await createVault({ keychain, logger: memoryLogger(), cas }).load())?.record).toEqual(rec);
  });

  it('checks the keychain with a write and a delete, leaving nothing behind', async () => {
    const keychain = memoryKeychain();
    const calls: string[] = [];
    const watched = {
      ...keychain,
      set: async (service: string, account: string, secret: string) => {
        calls.push(`set ${service}`);
        await keychain.set(service, account, secret);
      },
      delete: async (service: string, account: string) => {
        calls.push(`delete ${service}`);
        return keychain.delete(service, account);
      },
    };
    await createVault({ keychain: watched, logger: memoryLogger(), cas: memoryCaFiles() }).assertUsable();
    expect(calls).toEqual([`set ${KEYCHAIN_PROBE_SERVICE}`, `delete ${KEYCHAIN_PROBE_SERVICE}`]);
    expect(keychain.entries.size).toBe(0);
  });

  it('on disk, keeps only CAs whose key is pinned', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-ca-files-'));
    try {
      const files = caFilesIn(dir);
      const [pinned, other] = await Promise.all([createTestCa(), createTestCa()]);
      await files.write('https://gw.example', [pinned!.certPem, other!.certPem]);
      expect(await files.read('https://gw.example', [pinned!.pin])).toEqual([pinned!.certPem]);
      expect(await files.read('https://other.example', [pinned!.pin])).toEqual([]);
      await files.remove('https://gw.example');
      expect(await files.read('https://gw.example', [pinned!.pin])).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('keytar keychain', () => {
  it('says keychain_unavailable with what to install when there is no Secret Service, never falling back', async () => {
    const keychain = createKeytarKeychain({ platform: 'linux', load: async () => { throw new Error('The name org.freedesktop.secrets was not provided by any .service files'); } });
    const error = await keychain.list(KEYCHAIN_SERVICE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).code).toBe('keychain_unavailable');
    expect((error as ClientError).message).toMatch(/gnome-keyring/);
  });

  it('says keychain_unavailable when the D-Bus session has no keyring (real keytar, a bus with nothing on it)', async () => {
    const script = `import('keytar').then(async ({ default: k }) => { try { await k.findCredentials('Airlock'); console.log('ok'); } catch (e) { console.log('error:' + e.message); } })`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/airlock-no-bus' }, cwd: process.cwd() });
    expect(stdout).toMatch(/^error:/);
  });

  it('stores, finds and deletes in the private test keychain (visible to secret-tool)', async () => {
    const keychain = createKeytarKeychain();
    const vault = createVault({ keychain, logger: memoryLogger(), cas: memoryCaFiles() });
    const rec = await record(`https://vault-test-${process.pid}.example`);
    await (await vault.createKey()).save(rec);
    const { stdout, stderr } = await run('secret-tool', ['search', '--all', 'service', KEYCHAIN_SERVICE]);
    // secret-tool prints the item on stdout and its attributes on stderr.
    expect(stderr).toContain(`attribute.account = ${rec.gateway}`);
    expect(stdout).toContain(`label = ${KEYCHAIN_SERVICE}/${rec.gateway}`);
    await vault.wipe(rec.gateway);
    const after = await run('secret-tool', ['search', '--all', 'service', KEYCHAIN_SERVICE]).catch((e: { stdout: string; stderr: string }) => e);
    expect(after.stdout + after.stderr).not.toContain(rec.gateway);
  });
});
