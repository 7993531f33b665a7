/**
 * Issue 5, "What this issue must show" 1-4, against a real gateway process, real TLS with the
 * gateway's own CA and pin, and the real keychain (gnome-keyring on the private test D-Bus).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatInviteLink, parseInviteLink } from '../../../protocol/invite/link.js';
import { isAirlockError } from '../../../protocol/errors.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { startOpenAiServer, type OpenAiTestServer } from '../../helpers/openai-server.js';
import { createServerCert, createTestCa, FOREIGN_PIN } from '../../unit/core/support/pki.js';
import { startTlsServer } from '../../unit/core/support/tls-server.js';
import { chatAll, closeApps, filesUnder, keychainEntry, secretTool, startApp, stepsOf, text, type TestApp, useOwnKeychain } from './client-harness.js';

describe('client core against a real gateway', () => {
  useOwnKeychain();
  let upstream: OpenAiTestServer;
  let gw: TestGateway;
  const apps: TestApp[] = [];
  const open = async (options: Partial<Parameters<typeof startApp>[0]> = {}): Promise<TestApp> => {
    const app = await startApp({ gateway: gw.url, ...options });
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    upstream = await startOpenAiServer({ slowMs: 20, longChunks: 2000 });
    gw = await startGateway({ upstreams: { upstreams: [{ kind: 'openai', name: 'test', baseUrl: upstream.baseUrl, models: [{ id: 'test-chat' }, { id: 'test-long' }] }] } });
  });
  afterEach(() => closeApps(apps));
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it('1. invite link -> enrolled (key only in the keychain) -> streamed chat; a restart stays enrolled', async () => {
    const app = await open();
    expect(app.client.state()).toEqual({ kind: 'not-enrolled' });
    const link = await gw.invite('alice@example.com');
    await expect(app.client.previewInvite(link)).resolves.toEqual({ gateway: gw.url, host: new URL(gw.url).host, pins: [gw.pin] });

    const state = await app.client.enroll(link);
    expect(state).toMatchObject({ kind: 'enrolled', gateway: gw.url, tester: 'alice@example.com' });
    expect(stepsOf(app)).toEqual(['not-enrolled', 'enrolling:challenge', 'enrolling:attest', 'enrolling:enroll', 'enrolling:session', 'enrolled']);

    // The key is in the keychain, visible to secret-tool, and nowhere on disk or in the logs.
    const entry = await keychainEntry(gw.url);
    expect(entry?.record.deviceId).toBe((state as { deviceId: string }).deviceId);
    expect(await secretTool()).toContain(`attribute.account = ${gw.url}`);
    const secrets = [entry!.key.d, parseInviteLink(link).code];
    for (const file of await filesUnder(app.dataDir)) for (const s of secrets) expect(file.content.includes(s), file.path).toBe(false);
    for (const s of secrets) expect(app.logs.text()).not.toContain(s);
    expect(app.logs.text()).not.toMatch(/eyJ[A-Za-z0-9_-]+\.eyJ/);

    expect(await app.client.listModels()).toEqual(expect.arrayContaining([{ id: 'test-chat', demo: false }]));
    const deltas = await chatAll(app.client, 'test-chat', 'hello');
    expect(deltas.filter((d) => d.type === 'delta').length).toBeGreaterThan(1);
    expect(deltas.at(-1)).toMatchObject({ type: 'done' });
    expect(text(deltas).length).toBeGreaterThan(0);

    const status = await app.client.deviceStatus();
    expect(status).toMatchObject({ gateway: gw.url, pins: [gw.pin], trustLevel: { keyStorage: 'keychain' } });
    expect(status.evidence.platform).toBe(process.platform);

    // A restart: a new client on the same keychain is enrolled and works.
    await app.client.close();
    const again = await open({ dataDir: app.dataDir });
    expect(again.client.state()).toMatchObject({ kind: 'enrolled', gateway: gw.url });
    expect((await chatAll(again.client, 'test-chat', 'again')).at(-1)).toMatchObject({ type: 'done' });
    await again.waitFor((s) => s.kind === 'enrolled' && s.connected);
  });

  it('1b. aborting a chat closes the HTTP stream and the gateway cancels the upstream call', async () => {
    const app = await open();
    await app.client.enroll(await gw.invite('abort@example.com'));
    const next = upstream.nextRequest();
    const controller = new AbortController();
    const deltas = [];
    for await (const d of app.client.chat({ model: 'test-long', messages: [{ role: 'user', content: 'long' }] }, controller.signal)) {
      deltas.push(d);
      if (deltas.length === 2) controller.abort();
    }
    expect(deltas.at(-1)).toEqual({ type: 'error', code: 'cancelled', message: 'Cancelled.' });
    const received = await next;
    expect(await Promise.race([received.closed, new Promise((r) => setTimeout(() => r('still open'), 2000))])).toEqual({ completed: false });
    expect(app.client.state()).toMatchObject({ kind: 'enrolled' });
  });

  it('1c. a policy change reaches the client over the control channel and is kept in the record', async () => {
    const app = await open();
    await app.client.enroll(await gw.invite('policy@example.com'));
    await app.waitFor((s) => s.kind === 'enrolled' && s.connected);
    expect(app.client.state()).toMatchObject({ policy: { watermark: true } });
    const path = join(gw.dataDir, 'policy.json');
    const original = await readFile(path, 'utf8');
    try {
      await writeFile(path, JSON.stringify({ ...JSON.parse(original), watermark: false }));
      await gw.admin({ op: 'policy.reload' });
      await app.waitFor((s) => s.kind === 'enrolled' && s.policy.watermark === false, 3000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await keychainEntry(gw.url))!.record).toMatchObject({ policy: { watermark: false } });
    } finally {
      await writeFile(path, original);
      await gw.admin({ op: 'policy.reload' });
    }
  });

  it('2. device revoke from the admin CLI while a chat streams: the stream ends with the reason, keychain and data wiped within 1 s', async () => {
    const app = await open();
    const state = await app.client.enroll(await gw.invite('bob@example.com'));
    const deviceId = (state as { deviceId: string }).deviceId;
    await app.waitFor((s) => s.kind === 'enrolled' && s.connected);

    const deltas: Array<{ at: number; type: string; code?: string; message?: string }> = [];
    let streamingStarted!: () => void;
    const started = new Promise<void>((resolve) => (streamingStarted = resolve));
    const streaming = (async () => {
      for await (const d of app.client.chat({ model: 'test-long', messages: [{ role: 'user', content: 'go on' }] })) {
        deltas.push({ at: Date.now(), type: d.type, ...(d.type === 'error' ? { code: d.code, message: d.message } : {}) });
        if (deltas.length === 3) streamingStarted();
      }
    })();
    await started;

    const result = await gw.cli(['device', 'revoke', deviceId, '--reason', 'laptop reported lost', '--json']);
    const commandDone = Date.now();
    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toMatchObject({ id: deviceId, status: 'revoked' });

    const revoked = await app.waitFor((s) => s.kind === 'revoked', 1000);
    const wipedAt = Date.now();
    await streaming;
    expect(revoked).toMatchObject({ kind: 'revoked', gateway: gw.url, code: 'device_revoked' });
    expect((revoked as { reason: string }).reason).toContain('laptop reported lost');
    const last = deltas.at(-1)!;
    expect(last).toMatchObject({ type: 'error', code: 'device_revoked' });
    expect(last.message).toContain('laptop reported lost');
    expect(wipedAt - commandDone).toBeLessThan(1000);
    expect(await keychainEntry(gw.url)).toBeNull();
    expect(await secretTool()).not.toContain(gw.url);
    expect(await filesUnder(app.dataDir)).toEqual([]);

    // After a restart: not enrolled.
    await app.client.close();
    const restarted = await open({ dataDir: app.dataDir });
    expect(restarted.client.state()).toEqual({ kind: 'not-enrolled' });
  });

  it('2b. tester suspend reaches an idle client over the control channel, with the exact code and reason', async () => {
    const app = await open();
    await app.client.enroll(await gw.invite('frank@example.com'));
    await app.waitFor((s) => s.kind === 'enrolled' && s.connected);
    const result = await gw.cli(['tester', 'suspend', 'frank@example.com', '--reason', 'NDA breach', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const revoked = await app.waitFor((s) => s.kind === 'revoked', 1000);
    expect(revoked).toMatchObject({ code: 'tester_suspended', reason: expect.stringContaining('NDA breach') });
    expect(await keychainEntry(gw.url)).toBeNull();
  });

  it('3. refuses a MITM gateway with another CA, the right CA with a pin not in the set, and bad links', async () => {
    const app = await open();
    const link = parseInviteLink(await gw.invite('carol@example.com', { devices: 1 }));

    const mitmCa = await createTestCa({ name: 'MITM CA' });
    const mitm = await startTlsServer(await createServerCert(mitmCa));
    try {
      const mitmApp = await open({ gateway: mitm.origin });
      const error = await mitmApp.client.enroll(formatInviteLink({ ...link, gateway: mitm.origin })).catch((e: unknown) => e);
      expect(isAirlockError(error, 'connection_not_trusted')).toBe(true);
      expect(mitm.requests).toBe(0);
      expect(mitmApp.client.state()).toMatchObject({ kind: 'error', code: 'connection_not_trusted' });
      expect(mitmApp.logs.text()).toMatch(/CONNECTION NOT TRUSTED/);
    } finally {
      await mitm.close();
    }

    const wrongPin = await app.client.enroll(formatInviteLink({ ...link, pins: [FOREIGN_PIN] })).catch((e: unknown) => e);
    expect(isAirlockError(wrongPin, 'connection_not_trusted')).toBe(true);
    expect(await keychainEntry(gw.url)).toBeNull();

    for (const bad of [
      formatInviteLink({ ...link, gateway: gw.url.replace('https:', 'http:') }),
      formatInviteLink({ ...link, pins: ['sha256/not-a-pin'] }),
      formatInviteLink({ ...link, pins: ['md5/AAAA'] }),
    ]) {
      await expect(app.client.previewInvite(bad)).rejects.toThrow(/not valid/);
      await expect(app.client.enroll(bad)).rejects.toMatchObject({ code: 'invite_invalid' });
    }

    // The invite was never spent by the refused attempts: with the right pin it still enrolls.
    expect(await app.client.enroll(formatInviteLink(link))).toMatchObject({ kind: 'enrolled' });
  });

  it('3b. enrolls through the backup pin when the primary does not match (rotation)', async () => {
    const app = await open();
    const link = parseInviteLink(await gw.invite('dave@example.com'));
    const state = await app.client.enroll(formatInviteLink({ ...link, pins: [FOREIGN_PIN, gw.pin] }));
    expect(state).toMatchObject({ kind: 'enrolled' });
    expect((await chatAll(app.client, 'test-chat', 'rotated')).at(-1)).toMatchObject({ type: 'done' });
  });

  it('4. a keychain secret copied to another machine (different machine-id) is refused with key_moved', async () => {
    const original = await open({ machineId: 'machine-original-0001' });
    await original.client.enroll(await gw.invite('erin@example.com'));
    expect((await chatAll(original.client, 'test-chat', 'hi')).at(-1)).toMatchObject({ type: 'done' });
    await original.client.close();

    // Same keychain contents, another machine.
    const copy = await open({ machineId: 'machine-elsewhere-0002' });
    expect(copy.client.state()).toMatchObject({ kind: 'enrolled' });
    const revoked = await copy.waitFor((s) => s.kind === 'revoked', 5000);
    expect(revoked).toMatchObject({ code: 'key_moved' });
    const deltas = await chatAll(copy.client, 'test-chat', 'hi');
    expect(deltas).toEqual([expect.objectContaining({ type: 'error', code: 'device_unknown' })]);
  });
});
