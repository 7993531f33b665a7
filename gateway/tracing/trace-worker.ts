/**
 * The worker half of answer-tracer.ts: fingerprints answers (normalising and the keyed k-gram
 * hashes, about 0.15 ms of CPU for a 300-word answer) and stores them through its own connection to
 * the store, so neither the hashing nor the write's commit (fsync'd on SQLite) runs on the
 * gateway's event loop. Each message is a batch the tracer gathered; batches that arrive while one
 * is being fingerprinted or committed wait in the port's queue and are committed together, up to
 * MAX_BATCH answers per transaction (group commit).
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import { announceThread } from '../server/thread-roles.js';
import { inTransaction } from '../store/postgres/queryable.js';
import { fingerprintTexts } from './fingerprint.js';
import { wordsOf } from './normalise.js';
import { expireTraces, writeTraces } from './postgres-trace-rows.js';
import { sqliteTraceRows } from './sqlite-trace-rows.js';
import { openTraceDatabase } from './trace-database.js';
import type { AnswerTrace } from './trace-records.js';
import type { TracedAnswer, TraceReply, TraceRequest, TraceWorkerData, TraceWorkerSink } from './trace-worker-protocol.js';

if (!parentPort) throw new Error('trace-worker.ts runs only as a worker thread');

// The lowest CPU priority for this thread (Linux keeps a nice value per thread, and
// /proc/thread-self names it): on a busy machine the gateway's own threads go first and
// fingerprinting waits, up to the tracer's bound on waiting answers. Elsewhere: normal priority.
try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) setPriority(tid, 19);
} catch {
  // no /proc (not Linux): the thread keeps the process's priority
}
announceThread('tracing worker');
const port = parentPort;
const data = workerData as TraceWorkerData;
const key = Buffer.from(data.key);

/** Answers per transaction: a flood is written in bounded steps, each holding the write lock briefly. */
const MAX_BATCH = 256;

interface Writer {
  write(traces: readonly AnswerTrace[]): Promise<void>;
  expire(cutoff: string): Promise<number>;
  close(): Promise<void>;
}

function openWriter(sink: TraceWorkerSink): Writer {
  if (sink.kind === 'sqlite') {
    // Its own file (DATA/trace.db), never airlock.db: its commits must not hold the audit log's write lock.
    const db = openTraceDatabase(sink.path);
    const rows = sqliteTraceRows(db);
    return {
      write: async (traces) => rows.write(traces),
      expire: async (cutoff) => rows.expire(cutoff),
      close: async () => void db.close(),
    };
  }
  const pool = new pg.Pool({ ...sink.connection, max: 1, keepAlive: true, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => undefined); // an idle connection lost: the next batch takes a fresh one
  return {
    write: (traces) => inTransaction(pool, (client) => writeTraces(client, traces)),
    expire: (cutoff) => expireTraces(pool, cutoff),
    close: () => pool.end(),
  };
}

const writer = openWriter(data.sink);
const answers: TracedAnswer[] = [];
const expiries: Array<Extract<TraceRequest, { kind: 'expire' }>> = [];
let closing = false;
let running = false;

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const reply = (message: TraceReply): void => port.postMessage(message);

async function storeBatch(batch: typeof answers): Promise<void> {
  const traces: AnswerTrace[] = [];
  const fingerprintsOf = fingerprintTexts(batch.map((answer) => wordsOf(answer.text)), key, data.settings);
  batch.forEach((answer, i) => {
    const fingerprints = fingerprintsOf[i]!;
    if (fingerprints.length > 0) traces.push({ ...answer.call, fingerprints });
  });
  try {
    await writer.write(traces);
    reply({ kind: 'stored', answers: batch.length, traced: traces.length });
  } catch (error) {
    reply({ kind: 'stored', answers: batch.length, traced: 0, error: { message: errorText(error), callIds: batch.map((a) => a.call.callId) } });
  }
}

async function run(): Promise<void> {
  for (;;) {
    // Let every message already posted arrive first: they all go in this batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (answers.length > 0) await storeBatch(answers.splice(0, MAX_BATCH));
    else if (expiries.length > 0) {
      const { id, cutoff } = expiries.shift()!;
      await writer.expire(cutoff).then(
        (deleted) => reply({ kind: 'expired', id, deleted }),
        (error: unknown) => reply({ kind: 'expire-failed', id, message: errorText(error) }),
      );
    } else break;
  }
  if (closing) {
    await writer.close().catch(() => undefined);
    port.close();
  }
}

function schedule(): void {
  if (running) return;
  running = true;
  void run().finally(() => {
    running = false;
    if (!closing && (answers.length > 0 || expiries.length > 0)) schedule();
  });
}

port.on('message', (message: TraceRequest) => {
  if (message.kind === 'answers') answers.push(...message.answers);
  else if (message.kind === 'expire') expiries.push(message);
  else closing = true;
  schedule();
});
