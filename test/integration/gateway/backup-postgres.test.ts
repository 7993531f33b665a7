/**
 * Backup with a PostgreSQL store (issue 20): the archive holds everything but the database, and the
 * CLI prints the pg_dump command for the rest. This test follows that advice to the letter: it runs
 * the printed pg_dump (password from PGPASSWORD, as the advice says, never in the command), restores
 * the dump into a new database with the printed pg_restore form, restores the archive into a new
 * data directory pointed at that database, and starts a gateway there: same pin, the same devices
 * (the revoked one still revoked), an audit chain that verifies.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initDataDir } from '../../../gateway/init/init.js';
import { runCli, startGateway, type TestGateway } from '../../helpers/gateway.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../helpers/postgres.js';

const run = promisify(execFile);

describe('backup with a PostgreSQL store', () => {
  let pg: ThrowawayPostgres;
  let base: string;
  const gateways: TestGateway[] = [];
  beforeAll(async () => {
    pg = await startThrowawayPostgres();
    base = await mkdtemp(join(tmpdir(), 'airlock-pg-backup-'));
  }, 120_000);
  afterAll(async () => {
    for (const gw of gateways) await gw.stop().catch(() => undefined);
    await pg?.down();
    if (base) await rm(base, { recursive: true, force: true });
  });

  it('archives the rest, prints a pg_dump that works, and the two restore to the same gateway', async () => {
    const url = await pg.createDatabase('airlock_backup');
    const password = new URL(url).password;
    expect(password).not.toBe('');
    const dataDir = join(base, 'data');
    await initDataDir(dataDir);
    // The store URL lives in the data directory (0600), never on a command line.
    await writeFile(join(dataDir, 'store.url'), `${url}\n`, { mode: 0o600 });
    const gw = await startGateway({ dataDir });
    gateways.push(gw);
    const kept = await gw.enrolledDevice('kept@pg.example');
    const gone = await gw.enrolledDevice('gone@pg.example');
    await gw.admin({ op: 'device.revoke', id: gone.deviceId!, reason: 'left the programme' });

    const out = join(base, 'airlock.tar.gz');
    const backup = await gw.cli(['backup', '--out', out, '--json']);
    expect(backup.code, backup.stderr).toBe(0);
    const result = backup.json<{ store: string; pin: string; files: string[]; database: string }>();
    expect(result).toMatchObject({ store: 'postgres', pin: gw.pin });
    expect(result.files).not.toContain('airlock.db');
    expect(result.files).not.toContain('trace.db'); // PostgreSQL keeps the fingerprints too
    expect(result.files).toEqual(expect.arrayContaining(['ca.pem', 'ca.key', 'token.key', 'store.url']));
    // The advice names pg_dump and keeps the password out of the command it prints.
    const command = /back it up with (pg_dump .+?) \(password/.exec(result.database)?.[1];
    expect(command, result.database).toBeDefined();
    expect(command).not.toContain(password);
    expect(backup.stdout).not.toContain(password);

    // Run it as printed, from a fresh directory, with the password where the advice says.
    const dumpDir = await mkdtemp(join(base, 'dump-'));
    const pgEnv = { ...process.env, PGPASSWORD: password };
    await run('bash', ['-c', command!], { cwd: dumpDir, env: pgEnv, timeout: 120_000 });
    const target = await pg.createDatabase('airlock_restored');
    const targetNoPassword = new URL(target);
    targetNoPassword.password = '';
    await run('pg_restore', ['--dbname', targetNoPassword.toString(), '--no-owner', 'airlock.pgdump'], { cwd: dumpDir, env: pgEnv, timeout: 120_000 });

    await gw.stop({ keepData: true });
    const restoredDir = join(base, 'restored');
    const restore = await runCli(['restore', out, '--data', restoredDir, '--json']);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.json()).toMatchObject({ pin: gw.pin, store: 'postgres' });
    // The archive's store.url names the old database; the admin points it at the recovered one.
    expect((await readFile(join(restoredDir, 'store.url'), 'utf8')).trim()).toBe(url);
    await writeFile(join(restoredDir, 'store.url'), `${target}\n`, { mode: 0o600 });

    const restored = await startGateway({ dataDir: restoredDir });
    gateways.push(restored);
    expect(restored.pin).toBe(gw.pin);
    const devices = (await restored.admin({ op: 'device.list' })) as { id: string; status: string }[];
    expect(devices.map((d) => [d.id, d.status]).sort()).toEqual([[kept.deviceId, 'active'], [gone.deviceId, 'revoked']].sort());
    const verify = await restored.cli(['audit', 'verify', '--json']);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.json()).toMatchObject({ ok: true });
  }, 300_000);
});
