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
import { auditVerifyResult } from '../../../protocol/schemas/admin.js';
import { runCli, startGateway } from '../../helpers/gateway.js';

interface Verdict { ok: boolean; entries: number; firstBad: number | null; head: string | null }

describe('audit verify', () => {
  let base: string;
  let pristine: string;
  let entries: number;
  let head: string;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'airlock-audit-'));
    const gw = await startGateway({ dataDir: join(base, 'data') });
    const client = gw.client();
    for (let i = 0; i < 4; i++) await gw.enrolledDevice(`audit${i}@example.com`, client);
    const running = await gw.cli(['audit', 'verify', '--json']);
    expect(running.code).toBe(0);
    await gw.stop();
    pristine = gw.dataDir;
    const direct = await runCli(['audit', 'verify', '--json', '--data', pristine]);
    expect(direct.code).toBe(0);
    // What the CLI prints is the shape protocol/ publishes for it.
    auditVerifyResult.parse(direct.json());
    entries = direct.json<Verdict>().entries;
    head = direct.json<Verdict>().head!;
    expect(head).toMatch(new RegExp(`^${entries}:[0-9a-f]{64}$`));
    expect(entries).toBeGreaterThanOrEqual(10);
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  async function tampered(name: string, change: (db: Database.Database) => void, extra: string[] = []): Promise<{ code: number; verdict: Verdict; stderr: string; human: string }> {
    const dir = join(base, name);
    await cp(pristine, dir, { recursive: true });
    const db = new Database(join(dir, 'airlock.db'));
    db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
    change(db);
    db.close();
    const json = await runCli(['audit', 'verify', '--json', '--data', dir, ...extra]);
    const human = await runCli(['audit', 'verify', '--data', dir, ...extra]);
    expect(human.code).toBe(1);
    return { code: json.code, verdict: json.json<Verdict>(), stderr: json.stderr, human: human.stdout };
  }

  it('verifies the untouched log and prints its head, which verifies as an anchor', async () => {
    const ok = await runCli(['audit', 'verify', '--data', pristine]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`${entries} entries`);
    expect(ok.stdout).toContain(`Head ${head}`);
    expect((await runCli(['audit', 'verify', '--data', pristine, '--anchor', head])).code).toBe(0);
  });

  it('refuses a malformed anchor with a usage error', async () => {
    const bad = await runCli(['audit', 'verify', '--data', pristine, '--anchor', '3:nothex']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--anchor');
  });

  it('detects entries cut off the end against the head recorded before the cut', async () => {
    const cut = (db: Database.Database) => db.prepare('DELETE FROM audit WHERE seq > ?').run(entries - 2);
    // The chain that is left is intact: alone, verify cannot tell.
    const dir = join(base, 'cut-alone');
    await cp(pristine, dir, { recursive: true });
    const db = new Database(join(dir, 'airlock.db'));
    db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
    cut(db);
    db.close();
    expect((await runCli(['audit', 'verify', '--data', dir])).code).toBe(0);
    const r = await tampered('cut', cut, ['--anchor', head]);
    expect(r.code).toBe(1);
    expect(r.verdict).toMatchObject({ ok: false, firstBad: entries - 1 });
    expect(r.stderr).toMatch(/cut off the end/);
  });

  it('detects a log rewritten from the anchor on', async () => {
    const r = await tampered('rewritten', () => undefined, ['--anchor', `${entries}:${'0'.repeat(64)}`]);
    expect(r.code).toBe(1);
    expect(r.verdict).toMatchObject({ ok: false, firstBad: entries });
    expect(r.stderr).toMatch(/rewritten/);
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
    expect(r.verdict).toEqual({ ok: false, entries: 5, firstBad: 5, head: expect.stringMatching(/^4:/) });
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
