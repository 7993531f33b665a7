/**
 * Issue 20 (must-show 4): `backup --out FILE` while a burst of enrollments and revocations runs,
 * `restore FILE --data DIR` into a new directory, and a gateway started on it: the same pin,
 * every device answered before the backup began (and every revocation answered by then), and an
 * audit chain that verifies. The archive is 0600; restore never overwrites.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startGateway, type TestGateway } from '../../helpers/gateway.js';
import { createTestDevice } from '../../helpers/pinned-client.js';

describe('backup and restore', () => {
  let base: string;
  let gw: TestGateway;
  let restored: TestGateway | undefined;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'airlock-backup-'));
    gw = await startGateway();
  }, 120_000);
  afterAll(async () => {
    await restored?.stop();
    await gw?.stop();
    await rm(base, { recursive: true, force: true });
  });

  it('a backup taken during a burst restores to a gateway with the same pin, every device answered before it, and a verifying audit chain', async () => {
    const enrolled: string[] = [];
    const revoked: string[] = [];
    let stop = false;
    const client = gw.client({ connections: 4 });
    // Four workers: enroll a device, and revoke every other one, until told to stop.
    const burst = Array.from({ length: 4 }, async (_, worker) => {
      for (let i = 0; !stop; i++) {
        const device = await createTestDevice(client);
        const { deviceId } = await device.enroll(await gw.invite(`w${worker}-${i}@burst.example`));
        enrolled.push(deviceId);
        if (i % 2 === 0) {
          await gw.admin({ op: 'device.revoke', id: deviceId, reason: 'burst' });
          revoked.push(deviceId);
        }
      }
    });
    while (enrolled.length < 12) await new Promise((resolve) => setTimeout(resolve, 50));

    // Everything answered up to here must be in the backup; the burst goes on while it runs.
    const answeredBefore = [...enrolled];
    const revokedBefore = [...revoked];
    const out = join(base, 'airlock.tar.gz');
    const backup = await gw.cli(['backup', '--out', out, '--json']);
    const duringBackup = enrolled.length - answeredBefore.length;
    stop = true;
    await Promise.all(burst);
    expect(backup.code, backup.stderr).toBe(0);
    const result = backup.json<{ out: string; pin: string; store: string; files: string[] }>();
    expect(result).toMatchObject({ out, pin: gw.pin, store: 'sqlite' });
    expect(result.files).toEqual(expect.arrayContaining(['airlock.db', 'ca.pem', 'ca.key', 'server.pem', 'server.key', 'token.key', 'machine-id.salt', 'dpop-nonce.secret', 'policy.json']));
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    // The copy of the gateway's secrets is in the audit log, naming the archive.
    const tail = (await gw.admin({ op: 'audit.tail', n: 200 })) as { type: string; subject: string; details: Record<string, unknown> }[];
    expect(tail.filter((e) => e.type === 'admin.backup.create')).toEqual([expect.objectContaining({ subject: out, details: expect.objectContaining({ store: 'sqlite', pin: gw.pin }) })]);
    // Nothing left beside it (the staging directory is gone).
    expect(await readdir(base)).toEqual(['airlock.tar.gz']);

    // Never overwrites: an existing archive, a non-empty data directory.
    const again = await gw.cli(['backup', '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists; backup never overwrites/);
    const occupied = join(base, 'occupied');
    await mkdir(occupied, { mode: 0o700 });
    await writeFile(join(occupied, 'keep.txt'), 'mine');
    const refused = await runCli(['restore', out, '--data', occupied]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/is not empty .*refuses to overwrite/);
    expect(await readdir(occupied)).toEqual(['keep.txt']);

    const dataDir = join(base, 'restored');
    const restore = await runCli(['restore', out, '--data', dataDir, '--json']);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.json()).toMatchObject({ data: dataDir, pin: gw.pin, store: 'sqlite', audit: { entries: expect.any(Number) } });
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    for (const file of await readdir(dataDir)) expect((await stat(join(dataDir, file))).mode & 0o777, file).toBe(0o600);

    restored = await startGateway({ dataDir });
    expect(restored.pin).toBe(gw.pin);
    const devices = await restored.admin<{ id: string; status: string }[]>({ op: 'device.list' });
    const status = new Map(devices.map((d) => [d.id, d.status]));
    for (const id of answeredBefore) expect(status.has(id), `device ${id} answered before the backup`).toBe(true);
    for (const id of revokedBefore) expect(status.get(id), `revocation of ${id} answered before the backup`).toBe('revoked');
    const verify = await restored.cli(['audit', 'verify', '--json']);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.json()).toMatchObject({ ok: true });
    // The burst really overlapped the backup (else this test would not show what it claims).
    expect(duringBackup).toBeGreaterThan(0);
  }, 240_000);

  it('refuses an archive that was altered, and leaves nothing behind', async () => {
    const out = join(base, 'small.tar.gz');
    expect((await gw.cli(['backup', '--out', out])).code).toBe(0);
    const bytes = await readFile(out);
    bytes[bytes.length - 30] = bytes[bytes.length - 30]! ^ 0xff;
    const bad = join(base, 'bad.tar.gz');
    await writeFile(bad, bytes, { mode: 0o600 });
    const target = join(base, 'from-bad');
    const result = await runCli(['restore', bad, '--data', target]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/not a readable Airlock backup|differs from its manifest/);
    await expect(stat(target)).rejects.toThrow();
  }, 120_000);
});
