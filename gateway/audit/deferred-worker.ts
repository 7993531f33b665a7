/**
 * The worker half of deferred-writer.ts: owns a second connection to the gateway's SQLite file
 * and appends the entries the main thread posts, in batches. Each batch is one IMMEDIATE
 * transaction (the chain head is read inside the write lock, so entries appended by the main
 * connection in between are chained correctly) committed with synchronous=FULL: the fsync
 * happens here, off the gateway's event loop. Entries that arrive while a commit is in flight
 * wait in the port's queue and go in the next batch (group commit).
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { entryHash, GENESIS_HASH } from './chain.js';
import type { DeferredReply, DeferredRequest, WorkerAppend, WorkerUsage } from './deferred-protocol.js';

if (!parentPort) throw new Error('deferred-worker.ts runs only as a worker thread');
const port = parentPort;
const { path } = workerData as { path: string };

const db = new Database(path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
const head = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
const insert = db.prepare('INSERT INTO audit (seq, time, type, actor, subject, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
const addUsage = db.prepare('INSERT INTO token_usage (tester, day, tokens) VALUES (?, ?, ?) ON CONFLICT (tester, day) DO UPDATE SET tokens = tokens + excluded.tokens');

const appendBatch = db.transaction((batch: Array<WorkerAppend | WorkerUsage>) => {
  const row = head.get() as { seq: number; hash: string } | undefined;
  let seq = row?.seq ?? 0;
  let prevHash = row?.hash ?? GENESIS_HASH;
  return batch.map((e) => {
    if (e.kind === 'usage') {
      addUsage.run(e.tester, e.day, e.tokens);
      return { id: e.id };
    }
    seq += 1;
    const hash = entryHash(seq, e.time, e.type, e.actor, e.subject, e.details, prevHash);
    insert.run(seq, e.time, e.type, e.actor, e.subject, e.details, prevHash, hash);
    const entry = { seq, time: e.time, type: e.type, actor: e.actor, subject: e.subject, details: e.details, prevHash, hash };
    prevHash = hash;
    return { id: e.id, entry };
  });
});

let queue: Array<WorkerAppend | WorkerUsage> = [];
let scheduled = false;

function flush(): void {
  scheduled = false;
  const batch = queue;
  queue = [];
  if (batch.length === 0) return;
  let reply: DeferredReply;
  try {
    reply = { kind: 'done', results: appendBatch.immediate(batch) };
  } catch (error) {
    reply = { kind: 'failed', ids: batch.map((e) => e.id), message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
}

port.on('message', (message: DeferredRequest) => {
  if (message.kind === 'append' || message.kind === 'usage') {
    queue.push(message);
    // setImmediate runs after every message already waiting has been delivered: one batch for all.
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
    return;
  }
  flush();
  db.close();
  port.close();
});
