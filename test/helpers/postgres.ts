/**
 * A throwaway PostgreSQL cluster for one test file or benchmark: started on a free 127.0.0.1 port in
 * a temp dir by scripts/pg-throwaway.sh (one implementation for tests, bench and people), stopped
 * and deleted by `down()`. `stop()`/`start()` restart the same server, for the outage tests.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { z } from 'zod';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../scripts/pg-throwaway.sh', import.meta.url));

const upOutput = z.strictObject({ url: z.string().startsWith('postgres://'), dir: z.string().min(1), port: z.number().int().positive() });

export interface ThrowawayPostgres {
  /** URL of the `postgres` database, as the superuser. */
  readonly url: string;
  readonly dir: string;
  readonly port: number;
  /** A new empty database; its URL. Lets test cases share one server without sharing state. */
  createDatabase(prefix?: string): Promise<string>;
  /** Stops the server (fast shutdown: open sessions are terminated), keeping its data. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Stops it and deletes its directory. Safe to call twice. */
  down(): Promise<void>;
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const { stdout } = await run('bash', [script, 'up'], { timeout: 60_000 });
  const info = upOutput.parse(JSON.parse(stdout.trim().split('\n').at(-1) ?? ''));
  let gone = false;
  return {
    ...info,
    async createDatabase(prefix = 'airlock_test') {
      const name = `${prefix}_${randomBytes(6).toString('hex')}`;
      const client = new pg.Client({ connectionString: info.url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      const url = new URL(info.url);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async stop() {
      await run('bash', [script, 'stop', info.dir], { timeout: 60_000 });
    },
    async start() {
      await run('bash', [script, 'start', info.dir], { timeout: 60_000 });
    },
    async down() {
      if (gone) return;
      gone = true;
      await run('bash', [script, 'down', info.dir], { timeout: 60_000 });
    },
  };
}
