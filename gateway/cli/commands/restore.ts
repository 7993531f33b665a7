import type { CliCommand } from '../command.js';

export const restore: CliCommand = {
  name: 'restore',
  summary: 'unpack a backup into a new data directory, checked (files, pin, audit chain) before it says so',
  description: 'Refuses a --data directory that exists and is not empty. Then start the gateway on it as usual (airlock-gateway serve --data DIR).',
  args: ['FILE'],
  examples: ['restore /var/backups/airlock-2026-12-03.tar.gz --data /srv/airlock-restored'],
  async run({ args, dataDir, json, out }) {
    const { restoreBackup } = await import('../../backup/restore.js');
    const result = await restoreBackup({ archive: args[0]!, dataDir });
    out(json
      ? JSON.stringify(result)
      : `Restored into ${result.data}: ${result.files.join(', ')}.\npin: ${result.pin}` +
          (result.audit ? `\nAudit log verifies: ${result.audit.entries} entr${result.audit.entries === 1 ? 'y' : 'ies'}${result.audit.head ? `, head ${result.audit.head}` : ''}.` : '\nThe store is PostgreSQL: restore the database from its pg_dump (pg_restore --dbname URL airlock.pgdump) before starting the gateway.'));
    return 0;
  },
};
