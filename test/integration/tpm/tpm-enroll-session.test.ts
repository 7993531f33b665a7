/**
 * Issue 18 end to end: the real client core (main/core) with a software TPM (swtpm, EK certificate
 * from its local CA) against a real gateway whose policy requires `tpm` and trusts that CA:
 *  - enrollment makes the key in the TPM and the gateway records the device as `tpm`;
 *  - the keychain holds only the key's public part and the TPM's wrapped blob, and no file of the
 *    data directory (nor a TPM work dir) is left holding anything of it;
 *  - a session with the TPM-certified session key works through chat, renewal (past a 30 s token),
 *    an app restart (a new session key), and revocation;
 *  - `minKeyStorage: "tpm"` refuses a keychain device, and the tester reads one sentence saying why
 *    and what to do; a TPM whose maker the gateway does not trust is refused with that reason.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isAirlockError } from '../../../protocol/errors.js';
import { parseInviteLink } from '../../../protocol/invite/link.js';
import { tpmKeyRecord } from '../../../main/core/tpm/key-record.js';
import { KEYCHAIN_SERVICE } from '../../../main/core/vault/vault.js';
import { createKeytarKeychain } from '../../../main/core/keychain/keytar-keychain.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { startOpenAiServer, type OpenAiTestServer } from '../../helpers/openai-server.js';
import { startSwtpm, type SoftwareTpm } from '../../helpers/swtpm.js';
import { chatAll, closeApps, filesUnder, startApp, type TestApp, useOwnKeychain } from '../core/client-harness.js';

const run = promisify(execFile);

async function rawEntry(gateway: string): Promise<Record<string, unknown> | null> {
  const secret = await createKeytarKeychain().get(KEYCHAIN_SERVICE, gateway);
  return secret === null ? null : (JSON.parse(secret) as Record<string, unknown>);
}

describe('TPM enrollment and sessions against a real gateway', () => {
  useOwnKeychain();
  let upstream: OpenAiTestServer;
  let gw: TestGateway;
  let tpm: SoftwareTpm;
  let strangerTpm: SoftwareTpm;
  /** Where this file's apps make their TPM work directories (each removed after its operation). */
  let workRoot: string;
  const apps: TestApp[] = [];
  const open = async (options: Partial<Parameters<typeof startApp>[0]> = {}): Promise<TestApp> => {
    const app = await startApp({ gateway: gw.url, ...options });
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    workRoot = await mkdtemp(join(tmpdir(), 'airlock-tpm-e2e-'));
    [tpm, strangerTpm, upstream] = await Promise.all([startSwtpm(), startSwtpm(), startOpenAiServer({ slowMs: 5 })]);
    gw = await startGateway({
      upstreams: { upstreams: [{ kind: 'openai', name: 'test', baseUrl: upstream.baseUrl, models: [{ id: 'test-chat' }] }] },
      policy: { minKeyStorage: 'tpm', tpmEkCAs: [...tpm.ca.pems], tokenLifetimeSeconds: 30 },
    });
  }, 180_000);
  afterEach(() => closeApps(apps));
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
    await Promise.all([tpm?.stop(), strangerTpm?.stop()]);
    if (workRoot) await rm(workRoot, { recursive: true, force: true });
  });

  it('enrolls with a TPM key (recorded as tpm; the keychain holds only the public part and the wrapped blob), chats, renews, restarts and is revoked', async () => {
    const app = await open({ tpmTcti: tpm.tcti, tpmWorkRoot: workRoot });
    const link = await gw.invite('tpm@example.com');
    const state = await app.client.enroll(link);
    expect(state).toMatchObject({ kind: 'enrolled', gateway: gw.url, tester: 'tpm@example.com' });
    const deviceId = (state as { deviceId: string }).deviceId;

    // The gateway recorded the verified key storage.
    const shown = await gw.cli(['device', 'show', deviceId, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.json<{ keyStorage: string }>().keyStorage).toBe('tpm');
    const status = await app.client.deviceStatus();
    expect(status.trustLevel.keyStorage).toBe('tpm');

    // Only the public part and the wrapped blob are kept, and nothing else anywhere.
    const entry = await rawEntry(gw.url);
    const key = tpmKeyRecord.parse(entry?.key);
    expect(key.publicJwk).not.toHaveProperty('d');
    for (const file of await filesUnder(app.dataDir)) {
      for (const s of [key.private, key.public, parseInviteLink(link).code]) expect(file.content.includes(s), file.path).toBe(false);
    }
    expect(await readdir(workRoot)).toEqual([]);

    // Chat with the session key; then past the 30 s token: renewed with a new session key.
    expect((await chatAll(app.client, 'test-chat', 'hello')).at(-1)).toMatchObject({ type: 'done' });
    const firstExpiry = Date.parse((app.client.state() as { sessionExpiresAt: string }).sessionExpiresAt);
    while (Date.now() < firstExpiry + 1500) {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      const deltas = await chatAll(app.client, 'test-chat', 'during');
      expect(deltas.filter((d) => d.type === 'error')).toEqual([]);
      expect(deltas.at(-1)).toMatchObject({ type: 'done' });
    }
    expect(Date.parse((app.client.state() as { sessionExpiresAt: string }).sessionExpiresAt)).toBeGreaterThan(firstExpiry);
    expect(app.logs.lines.filter((l) => l.message === 'session: started').length).toBeGreaterThanOrEqual(2);

    // A restart (a new client on the same keychain): the TPM key signs a new session.
    await app.client.close();
    const again = await open({ tpmTcti: tpm.tcti, dataDir: app.dataDir });
    await again.waitFor((s) => s.kind === 'enrolled', 20_000);
    expect((await chatAll(again.client, 'test-chat', 'after restart')).at(-1)).toMatchObject({ type: 'done' });

    // Revocation reaches the TPM device like any other: wiped, and its keychain entry gone.
    const revoked = await gw.cli(['device', 'revoke', deviceId, '--reason', 'test', '--json']);
    expect(revoked.code, revoked.stderr).toBe(0);
    await again.waitFor((s) => s.kind === 'revoked', 5_000);
    expect(await rawEntry(gw.url)).toBeNull();
  }, 180_000);

  it('an enrolled TPM device whose TPM no longer answers: an error saying what to do, not "the gateway is not reachable"', async () => {
    const own = await startSwtpm({ ca: tpm.ca });
    let stopped = false;
    try {
      const app = await open({ tpmTcti: own.tcti, tpmWorkRoot: workRoot });
      await app.client.enroll(await gw.invite('gone@example.com'));
      await app.client.close();
      await own.stop();
      stopped = true;
      const again = await open({ tpmTcti: own.tcti, tpmWorkRoot: workRoot, dataDir: app.dataDir });
      const state = await again.waitFor((s) => s.kind === 'error', 30_000);
      expect(state).toEqual({
        kind: 'error',
        code: 'tpm_unavailable',
        message: "Airlock could not use this computer's TPM, which holds this device's key. The TPM did not answer: restart the computer, and if it still does not answer, ask your administrator.",
      });
      // Nothing was wiped: the key (in the TPM) and the enrollment stay for when the TPM answers again.
      expect(tpmKeyRecord.safeParse((await rawEntry(gw.url))?.key).success).toBe(true);
    } finally {
      if (!stopped) await own.stop();
    }
  }, 120_000);

  it('minKeyStorage tpm refuses a keychain device, saying in one sentence why and what to do', async () => {
    const app = await open({ tpmTcti: 'device:/nonexistent/tpmrm0' });
    const error = await app.client.enroll(await gw.invite('nokey@example.com')).catch((e: unknown) => e);
    expect(isAirlockError(error, 'tpm_required')).toBe(true);
    expect((error as Error).message).toBe(
      "This gateway accepts only a device key held in a TPM, and Airlock cannot use this computer's TPM. This computer shows no TPM 2.0 (/nonexistent/tpmrm0 is missing): turn on the TPM (often called fTPM, PTT or Security Chip) in the firmware settings, or ask your administrator.",
    );
    expect(app.client.state()).toMatchObject({ kind: 'error', code: 'tpm_required', message: (error as Error).message });
    expect(await rawEntry(gw.url)).toBeNull();
  }, 120_000);

  it('a TPM without an EK certificate: the keychain is tried, and the tester reads why the TPM cannot be used', async () => {
    const bare = await startSwtpm();
    try {
      // As some TPMs ship: no endorsement certificate in NV (platform auth is empty on swtpm).
      await run('tpm2_nvundefine', ['-C', 'p', '0x01c00002'], { env: { ...process.env, TPM2TOOLS_TCTI: bare.tcti } });
      const app = await open({ tpmTcti: bare.tcti, tpmWorkRoot: workRoot });
      const error = await app.client.enroll(await gw.invite('bare@example.com')).catch((e: unknown) => e);
      expect(isAirlockError(error, 'tpm_required')).toBe(true);
      expect((error as Error).message).toBe("This gateway accepts only a device key held in a TPM, and Airlock cannot use this computer's TPM. This computer's TPM holds no endorsement certificate, so it cannot prove who made it: ask your administrator.");
      expect(app.logs.lines.some((l) => l.message === 'client: the TPM failed during enrollment; trying a keychain key')).toBe(true);
      expect(await readdir(workRoot)).toEqual([]);
    } finally {
      await bare.stop();
    }
  }, 120_000);

  it('a TPM whose maker the gateway does not trust: the keychain is tried, and the TPM\'s refusal is the reason shown', async () => {
    const app = await open({ tpmTcti: strangerTpm.tcti });
    const error = await app.client.enroll(await gw.invite('stranger@example.com')).catch((e: unknown) => e);
    expect(isAirlockError(error, 'tpm_ek_untrusted')).toBe(true);
    expect(app.logs.lines.some((l) => l.message === 'client: the gateway does not trust this TPM; trying a keychain key')).toBe(true);
    expect(await rawEntry(gw.url)).toBeNull();
  }, 120_000);
});
