import { str, type CliCommand } from '../command.js';
import { assertAirlockDataDir } from '../admin-call.js';
import { UsageError } from '../usage-error.js';

export const backup: CliCommand = {
  name: 'backup',
  summary: 'a consistent online copy of the store plus the keys, policy and configuration, in one 0600 archive',
  description:
    'Safe while the gateway runs (SQLite\'s online backup). Never overwrites FILE. With a PostgreSQL store the archive holds\n' +
    'everything but the database: back that up with pg_dump (it prints the command).',
  options: { out: { type: 'string', value: 'FILE', help: 'the archive to write (a new file; .tar.gz)', required: true } },
  examples: ['backup --out /var/backups/airlock-2026-12-03.tar.gz --data /srv/airlock'],
  async run({ values, dataDir, json, out, admin }) {
    const file = str(values.out);
    if (!file) throw new UsageError('--out FILE is required: the archive to write', undefined, 'backup');
    await assertAirlockDataDir(dataDir);
    const [{ createBackup }, { isPostgresUrl, resolveStoreTarget, storeUrlWithoutPassword }] = await Promise.all([import('../../backup/backup.js'), import('../../cluster/open-store.js')]);
    const target = await resolveStoreTarget(dataDir, str(values.store));
    const result = await createBackup({ dataDir, out: file, postgres: isPostgresUrl(target) });
    await admin({ op: 'host.record', event: 'backup.create', facts: { file: result.out, bytes: String(result.bytes), pin: result.pin, store: result.store } });
    const pgDump = result.store === 'postgres' ? `pg_dump --format=custom --file airlock.pgdump '${storeUrlWithoutPassword(target)}'` : null;
    out(json
      ? JSON.stringify({ ...result, ...(pgDump ? { database: `not in the archive: back it up with ${pgDump} (password from ~/.pgpass or PGPASSWORD)` } : {}) })
      : `Backup written to ${result.out} (${result.bytes} bytes, mode 0600): ${result.files.join(', ')}.\npin: ${result.pin}` +
          (pgDump ? `\nThe store is PostgreSQL, so the database is not in the archive. Back it up with:\n  ${pgDump}\n(password from ~/.pgpass or PGPASSWORD; restore it with pg_restore --dbname URL airlock.pgdump)` : '') +
          (result.skipped.length ? `\nLeft out (not plain files): ${result.skipped.join(', ')}` : '') +
          '\nIt holds the CA and token keys: keep it as secret as the gateway host.');
    return 0;
  },
};
