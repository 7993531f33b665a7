/**
 * Item 4: `airlock-gateway audit verify` detects a modified entry, a deleted entry and two swapped
 * entries, names the first bad one and exits 1. The tampering is done the way an attacker with
 * the file would: straight in SQLite, append-only triggers dropped first.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startGateway } from '../../helpers/gateway.js';
import { createTestDevice } from '../../helpers/pinned-client.js';

interface Verdict { ok: boolean; entries: number; firstBad: number | null }

describe('audit verify', () => {
  let base: string;
  let pristine: string;
  let entries: number;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'airlock-audit-'));
    const gw = await startGateway({ dataDir: join(base, 'data') });
    const client = gw.client();
    for (let i = 0; i < 4; i++) {
      const device = await createTestDevice(client);
      await device.enroll(await gw.invite(`audit${i}@example.com`));
      await device.session();
    }
    const running = await gw.cli(['audit', 'verify', '--json']);
    expect(running.code).toBe(0);
    await gw.stop();
    pristine = gw.dataDir;
    const direct = await runCli(['audit', 'verify', '--json', '--data', pristine]);
    expect(direct.code).toBe(0);
    entries = direct.json<Verdict>().entries;
    expect(entries).toBeGreaterThanOrEqual(10);
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  async function tampered(name: string, change: (db: Database.Database) => void): Promise<{ code: number; verdict: Verdict; stderr: string; human: string }> {
    const dir = join(base, name);
    await cp(pristine, dir, { recursive: true });
    const db = new Database(join(dir, 'airlock.db'));
    db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
    change(db);
    db.close();
    const json = await runCli(['audit', 'verify', '--json', '--data', dir]);
    const human = await runCli(['audit', 'verify', '--data', dir]);
    expect(human.code).toBe(1);
    return { code: json.code, verdict: json.json<Verdict>(), stderr: json.stderr, human: human.stdout };
  }

  it('verifies the untouched log', async () => {
    const ok = await runCli(['audit', 'verify', '--data', pristine]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`${entries} entries`);
  });

  it('refuses to let the gateway rewrite history (append-only triggers)', async () => {
    const dir = join(base, 'triggers');
    await cp(pristine, dir, { recursive: true });
    const db = new Database(join(dir, 'airlock.db'));
    expect(() => db.prepare('UPDATE audit SET details = ? WHERE seq = 3').run('{}')).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit WHERE seq = 3').run()).toThrow(/append-only/);
    db.close();
  });

  it('detects a modified entry and names it', async () => {
    const r = await tampered('modified', (db) => db.prepare('UPDATE audit SET details = ? WHERE seq = 5').run('{"code":"nothing to see"}'));
    expect(r.code).toBe(1);
    expect(r.verdict).toEqual({ ok: false, entries: 5, firstBad: 5 });
    expect(r.stderr).toMatch(/modified/);
    expect(r.human).toContain('entry 5');
  });

  it('detects a deleted entry and names the entry where the chain breaks', async () => {
    const r = await tampered('deleted', (db) => db.prepare('DELETE FROM audit WHERE seq = 4').run());
    expect(r.code).toBe(1);
    expect(r.verdict).toMatchObject({ ok: false, firstBad: 5 });
  });

  it('detects a deleted entry even when the later ones are renumbered', async () => {
    const r = await tampered('renumbered', (db) => {
      db.prepare('DELETE FROM audit WHERE seq = 4').run();
      db.prepare('UPDATE audit SET seq = seq - 1 WHERE seq > 4').run();
    });
    expect(r.code).toBe(1);
    expect(r.verdict).toMatchObject({ ok: false, firstBad: 4 });
  });

  it('detects two swapped entries', async () => {
    const r = await tampered('swapped', (db) => {
      const row = db.prepare('SELECT time, type, actor, subject, details, prev_hash, hash FROM audit WHERE seq = ?');
      const a = row.get(6) as Record<string, string>;
      const b = row.get(7) as Record<string, string>;
      const put = db.prepare('UPDATE audit SET time = @time, type = @type, actor = @actor, subject = @subject, details = @details, prev_hash = @prev_hash, hash = @hash WHERE seq = @seq');
      put.run({ ...b, seq: 6 });
      put.run({ ...a, seq: 7 });
    });
    expect(r.code).toBe(1);
    expect(r.verdict).toMatchObject({ ok: false, firstBad: 6 });
  });
});
