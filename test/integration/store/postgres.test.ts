import { afterAll, beforeAll } from 'vitest';
import pg from 'pg';
import { openPostgresStore } from '../../../gateway/store/postgres/postgres-store.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../helpers/postgres.js';
import { storeContract } from './contract.js';

let server: ThrowawayPostgres;

beforeAll(async () => {
  server = await startThrowawayPostgres();
});

afterAll(async () => {
  await server?.down();
});

async function withClient(url: string, fn: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}

storeContract('PostgreSQL', async () => {
  const url = await server.createDatabase('airlock_store');
  return {
    async open(now) {
      return openPostgresStore(url, { now, max: 4 });
    },
    async tamperAudit(seq, details) {
      await withClient(url, async (c) => {
        await c.query('ALTER TABLE audit DISABLE TRIGGER audit_no_change');
        await c.query('UPDATE audit SET details = $1 WHERE seq = $2', [details, seq]);
      });
    },
    async rawAuditUpdate() {
      await withClient(url, async (c) => {
        await c.query("UPDATE audit SET details = '{}' WHERE seq = 1");
      });
    },
    async dispose() {
      // The whole throwaway cluster goes in afterAll.
    },
  };
});
