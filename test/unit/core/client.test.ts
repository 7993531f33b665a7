import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { b64uEncode } from '../../../protocol/encoding.js';
import { formatInviteLink } from '../../../protocol/invite/link.js';
import { createAttestationCollector } from '../../../main/core/attestation/collector.js';
import { createAirlockClient } from '../../../main/core/client.js';
import { createKeytarKeychain } from '../../../main/core/keychain/keytar-keychain.js';
import { cryptoRandom, dataDirAt, nodeAttestationDeps, systemClock } from '../../../main/core/node-ports.js';
import type { Keychain } from '../../../main/core/ports.js';
import { FOREIGN_PIN } from './support/pki.js';
import { memoryKeychain } from './support/memory-keychain.js';
import { memoryLogger } from './support/memory-logger.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function client(keychain: Keychain, gateway?: string) {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-client-unit-'));
  dirs.push(dir);
  return createAirlockClient({
    keychain,
    dataDir: dataDirAt(dir),
    clock: systemClock,
    random: cryptoRandom,
    logger: memoryLogger(),
    attestation: createAttestationCollector(nodeAttestationDeps({ appVersion: '0.1.0', buildId: 'dev', packaged: false }, { machineId: async () => 'm' })),
    ...(gateway ? { gateway } : {}),
  });
}

// Nothing listens on port 9 of 127.0.0.1: a call that reached the network would fail differently.
const LINK = formatInviteLink({ gateway: 'https://127.0.0.1:9', code: b64uEncode(new Uint8Array(32).fill(3)), pins: [FOREIGN_PIN] });

describe('AirlockClient without a gateway', () => {
  it('with no usable keychain: state keychain_unavailable, and enroll refuses before spending the invite', async () => {
    const keychain = createKeytarKeychain({ platform: 'linux', load: async () => { throw new Error('Cannot autolaunch D-Bus without X11 $DISPLAY'); } });
    const c = await client(keychain);
    expect(c.state()).toMatchObject({ kind: 'error', code: 'keychain_unavailable' });
    expect((c.state() as { message: string }).message).toMatch(/gnome-keyring/);
    await expect(c.enroll(LINK)).rejects.toMatchObject({ code: 'keychain_unavailable' });
    await c.close();
  });

  it('starts not-enrolled on an empty keychain; unreachable gateway is a network error, not a trust error; nothing stored', async () => {
    const keychain = memoryKeychain();
    const c = await client(keychain);
    expect(c.state()).toEqual({ kind: 'not-enrolled' });
    const error = await c.enroll(LINK).catch((e: unknown) => e);
    expect(c.state()).toMatchObject({ kind: 'error', code: 'network_error' });
    expect((error as { code?: string }).code).not.toBe('connection_not_trusted');
    expect(keychain.entries.size).toBe(0);
    await c.close();
  });

  it('an app built for one gateway refuses links for another', async () => {
    const c = await client(memoryKeychain(), 'https://gw.example');
    await expect(c.enroll(LINK)).rejects.toMatchObject({ code: 'wrong_gateway', message: expect.stringContaining('set up for https://gw.example only') });
    await expect(c.previewInvite(LINK)).rejects.toMatchObject({ code: 'wrong_gateway' });
    await c.close();
  });

  it('signOut with nothing enrolled is harmless; the data dir wipe keeps the directory itself', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'airlock-wipe-'));
    dirs.push(dir);
    await writeFile(join(dir, 'a.json'), '{}');
    await dataDirAt(dir).wipe();
    expect(await readdir(dir)).toEqual([]);
    const c = await client(memoryKeychain());
    await c.signOut();
    expect(c.state()).toEqual({ kind: 'not-enrolled' });
    await c.close();
  });
});
