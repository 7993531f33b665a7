/**
 * Issue 5, item 3 (end): backup-pin rotation with a real gateway. The device enrolls with a link
 * carrying the gateway's pin and a backup pin; the gateway then restarts on the same origin with
 * a new CA (the backup one). The client accepts the new CA only because its pin is in the set,
 * keeps it in the keychain record, and goes on working; a CA outside the set stays refused.
 */
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initDataDir } from '../../../gateway/init/init.js';
import { formatInviteLink, parseInviteLink } from '../../../protocol/invite/link.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { createServerCert, createTestCa, type TestCa } from '../../unit/core/support/pki.js';
import { chatAll, keychainEntry, removeDir, startApp, storedCaPems, type TestApp, useOwnKeychain } from './client-harness.js';

async function installCa(dataDir: string, ca: TestCa): Promise<void> {
  const server = await createServerCert(ca, { hosts: ['localhost'], ips: ['127.0.0.1', '::1'] });
  await writeFile(join(dataDir, 'ca.pem'), ca.certPem, { mode: 0o600 });
  await writeFile(join(dataDir, 'server.pem'), server.certPem, { mode: 0o600 });
  await writeFile(join(dataDir, 'server.key'), server.keyPem, { mode: 0o600 });
}

describe('gateway CA rotation to the backup pin', () => {
  useOwnKeychain();
  let root: string;
  let gw: TestGateway | undefined;
  const apps: TestApp[] = [];

  afterAll(async () => {
    for (const app of apps) {
      await app.client.signOut({ localOnly: true }).catch(() => undefined);
      await app.client.close();
      await removeDir(app.dataDir);
    }
    await gw?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('the enrolled client follows a rotation to the backup CA, and refuses a CA outside the pin set', async () => {
    root = await mkdtemp(join(tmpdir(), 'airlock-rotate-'));
    const dataDir = join(root, 'data');
    await initDataDir(dataDir);
    const [backup, stranger] = await Promise.all([createTestCa({ name: 'Airlock gateway CA (backup)' }), createTestCa({ name: 'Not pinned' })]);

    gw = await startGateway({ dataDir });
    const port = new URL(gw.url).port;
    const app = await startApp({ gateway: gw.url });
    apps.push(app);
    const link = parseInviteLink(await gw.invite('rotate@example.com'));
    await app.client.enroll(formatInviteLink({ ...link, pins: [gw.pin, backup.pin] }));
    expect((await chatAll(app.client, 'airlock-demo', 'before')).at(-1)).toMatchObject({ type: 'done' });
    const pins = [gw.pin, backup.pin];
    expect(await storedCaPems(app.dataDir, gw.url, pins)).toEqual([expect.any(String)]);
    expect(JSON.stringify(await keychainEntry(gw.url))).not.toContain('BEGIN CERTIFICATE');

    // Same origin, new CA.
    await gw.stop({ keepData: true });
    await installCa(dataDir, backup);
    gw = await startGateway({ dataDir, args: ['--listen', `127.0.0.1:${port}`] });
    expect(gw.pin).toBe(backup.pin);

    const after = await chatAll(app.client, 'airlock-demo', 'after');
    expect(after.at(-1)).toMatchObject({ type: 'done' });
    expect(app.logs.text()).toMatch(/gateway CA accepted by its pin/);
    const caPems = await storedCaPems(app.dataDir, gw.url, pins);
    expect(caPems).toHaveLength(2);
    expect(caPems[1]!.replace(/\s+/g, '')).toBe(backup.certPem.replace(/\s+/g, ''));

    // A restarted app trusts the rotated CA from its record.
    await app.client.close();
    const restarted = await startApp({ gateway: gw.url, dataDir: app.dataDir });
    apps.push(restarted);
    expect((await chatAll(restarted.client, 'airlock-demo', 'restarted')).at(-1)).toMatchObject({ type: 'done' });

    // A CA whose pin is not in the set is refused, loudly, and never adopted.
    await gw.stop({ keepData: true });
    await installCa(dataDir, stranger);
    gw = await startGateway({ dataDir, args: ['--listen', `127.0.0.1:${port}`] });
    const refused = await chatAll(restarted.client, 'airlock-demo', 'mitm');
    expect(refused.at(-1)).toMatchObject({ type: 'error', code: 'connection_not_trusted' });
    expect(await storedCaPems(app.dataDir, gw.url, pins)).toHaveLength(2);
  }, 60_000);
});
