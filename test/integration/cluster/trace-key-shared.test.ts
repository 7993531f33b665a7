/**
 * Issue 17 on a shared PostgreSQL store: every instance must fingerprint under the same
 * DATA/trace.key, or its answers could never be traced. An instance holding another key refuses to
 * start and says what to copy where; with the key copied it starts, its answers are fingerprinted
 * by its tracing worker into the shared store, and a trace through the other instance finds them.
 */
import { copyFile, mkdir, mkdtemp, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceReport } from '../../../gateway/tracing/trace-leak.js';
import { createTraceKey } from '../../../gateway/tracing/trace-key.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { dataDirWithTraceKey, pastedBack, streamAnswer } from '../../helpers/leak-tracing.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../helpers/postgres.js';

let server: ThrowawayPostgres;
let root = '';
let storeUrl = '';
let dirA = '';
let dirB = '';
const gateways: TestGateway[] = [];

beforeAll(async () => {
  server = await startThrowawayPostgres();
  storeUrl = await server.createDatabase('airlock_trace');
  root = await mkdtemp(join(tmpdir(), 'airlock-tracekey-'));
  dirA = await dataDirWithTraceKey(join(root, 'a'));
  // Instance B: the same identity, but a trace key of its own (as a second `init` would make).
  dirB = join(root, 'b');
  await mkdir(dirB, { mode: 0o700 });
  for (const file of await readdir(dirA)) await copyFile(join(dirA, file), join(dirB, file));
  await unlink(join(dirB, 'trace.key'));
  await createTraceKey(join(dirB, 'trace.key'));
}, 120_000);

afterAll(async () => {
  for (const gw of gateways) await gw.stop({ keepData: true });
  if (root) await rm(root, { recursive: true, force: true });
  await server?.down();
});

async function tracedCalls(): Promise<string[]> {
  const client = new pg.Client({ connectionString: storeUrl });
  await client.connect();
  try {
    return (await client.query<{ call_id: string }>('SELECT call_id FROM trace_calls')).rows.map((r) => r.call_id);
  } finally {
    await client.end();
  }
}

describe('one trace key per PostgreSQL store', () => {
  it('refuses an instance with another trace.key, naming the file to copy; with it copied, answers served by either instance are traced', { timeout: 240_000 }, async () => {
    const a = await startGateway({ dataDir: dirA, store: storeUrl });
    gateways.push(a);
    const refused = await startGateway({ dataDir: dirB, store: storeUrl }).then(
      (gw) => {
        gateways.push(gw);
        return '';
      },
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    expect(refused).toContain(`${join(dirB, 'trace.key')} is not the trace key this PostgreSQL store's answers were fingerprinted under`);
    expect(refused).toContain(`Copy trace.key from the data directory of an instance already serving this store to ${join(dirB, 'trace.key')}`);

    await copyFile(join(dirA, 'trace.key'), join(dirB, 'trace.key'));
    const b = await startGateway({ dataDir: dirB, store: storeUrl });
    gateways.push(b);
    const device = await b.enrolledDevice('ada@example.com');
    const answer = await streamAnswer(device, 'Explain glaciers in depth');
    // B's tracing worker commits through its own connection to the shared store.
    const deadline = Date.now() + 20_000;
    while ((await tracedCalls()).length === 0) {
      if (Date.now() > deadline) throw new Error('no trace stored by instance B');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const file = join(root, 'leak.txt');
    await writeFile(file, pastedBack(answer.text));
    const result = await a.cli(['trace', file, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = result.json<TraceReport>();
    expect(report.verdict).toBe('attributed');
    expect(report.calls[0]).toMatchObject({ callId: (await tracedCalls())[0], tester: 'ada@example.com', deviceId: device.deviceId });
  });
});
