/**
 * Issue 17, leak tracing (gateway/tracing/), in one run:
 *  1. the default settings (k = 4, w = 5, DEFAULT_TRACE) on a seeded corpus of 10,000 model-like
 *     answers (test/helpers/answer-corpus.ts): top-1 attribution of 1,008 leaks cut from them
 *     (30-300 words, 5-20% of words substituted, restyled, some sentences dropped), false
 *     attributions on 1,000 unrelated texts, fingerprint cost per answer, stored bytes per word;
 *  2. a sweep of k, w and the naming threshold on 2,000 answers (the HMACs of three k values over
 *     10,000 answers would take minutes here), leaks of 50 and 100 words with 10% and 20% edits;
 *  3. trace time through the SQLite store as the gateway opens it, holding 100,000 answers;
 *  4. the streamed call through a real gateway with tracing on and off, alternating, same run;
 *  5. what tracing costs per answer in CPU (every thread of the process: the hand-off, the
 *     worker's hashing and commits, their garbage collection), with group commit as shipped and,
 *     as the baseline in the same run, one answer per hand-off and commit.
 * AIRLOCK_BENCH_TRACING_ONLY=cost runs part 5 alone (a minute).
 */
import { randomUUID } from 'node:crypto';
import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { openPostgresStore } from '../../gateway/store/postgres/postgres-store.js';
import { openSqliteStore } from '../../gateway/store/sqlite-store.js';
import { BATCH_ANSWERS, BATCH_WAIT_MS, createAnswerTracer } from '../../gateway/tracing/answer-tracer.js';
import { openTraceDatabase, traceDatabaseBeside } from '../../gateway/tracing/trace-database.js';
import { MERGE_ROWS, sqliteTraceRows } from '../../gateway/tracing/sqlite-trace-rows.js';
import { DEFAULT_WINNOW, fingerprintWords, guaranteedRun, kgramHashes, winnow, type WinnowSettings } from '../../gateway/tracing/fingerprint.js';
import { wordsOf } from '../../gateway/tracing/normalise.js';
import { DEFAULT_TRACE, scoreLeak, type TraceSettings } from '../../gateway/tracing/score.js';
import { traceLeak, type TraceSource } from '../../gateway/tracing/trace-leak.js';
import { LEAK_TRACING_ENV } from '../../gateway/tracing/tracing-switch.js';
import type { BenchRow } from '../run.js';
import { percentile } from '../stats.js';
import { answerCorpus, leakFrom, seededRandom, type Corpus } from '../../test/helpers/answer-corpus.js';
import { startGateway, type TestGateway } from '../../test/helpers/gateway.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../test/helpers/postgres.js';
import type { TestDevice } from '../../test/helpers/pinned-client.js';
import { openStream } from '../../test/integration/model/streaming-device.js';

const ANSWERS = 10_000;
const LEAKS_PER_CELL = 84; // 12 cells: 1,008 leaks
const LENGTHS = [30, 50, 100, 300];
const EDIT_RATES = [0.05, 0.1, 0.2];
const UNRELATED = 1_000;
const KEY = Buffer.alloc(32, 0x17);

const SWEEP_ANSWERS = 2_000;
const SWEEP_LEAKS_PER_CELL = 100;
const SWEEP_UNRELATED = 500;
const SWEEP_CELLS = [
  { length: 50, rate: 0.1 },
  { length: 100, rate: 0.1 },
  { length: 50, rate: 0.2 },
  { length: 100, rate: 0.2 },
];
const SWEEP_WINNOW: WinnowSettings[] = [3, 4, 5].flatMap((k) => [4, 5, 8].map((w) => ({ k, w })));
const SWEEP_TRACE: TraceSettings[] = [0.05, 0.1, 0.2].flatMap((minCoverage) => [1, 2, 3].map((minDistinctive) => ({ ...DEFAULT_TRACE, minCoverage, minDistinctive })));

const SCALE_COPIES = 10; // 10 x 10,000 answers = 100,000 in the store
const TRACES = 50;

const LATENCY_ROUNDS = 6;
const CALLS_PER_ROUND = 16;
const CONCURRENT = 4;

/** Fingerprint → the answers (indices) holding it. */
type Index = Map<number, number[]>;

function indexOf(fingerprintsOf: readonly (readonly number[])[]): Index {
  const holders: Index = new Map();
  fingerprintsOf.forEach((fps, i) => {
    for (const f of fps) {
      const list = holders.get(f);
      if (list) list.push(i);
      else holders.set(f, [i]);
    }
  });
  return holders;
}

export default async function tracing(log: (line: string) => void): Promise<BenchRow[]> {
  if (process.env.AIRLOCK_BENCH_TRACING_ONLY === 'cost') return tracerCost(log);
  const rows: BenchRow[] = [];
  const corpus = answerCorpus(2026);
  const random = seededRandom(17);

  // 1. The defaults over 10,000 answers.
  const fingerprintsOf: number[][] = [];
  let words = 0;
  let fingerprintMs = 0;
  for (let i = 0; i < ANSWERS; i++) {
    const text = corpus.answer(i);
    const t0 = performance.now();
    const w = wordsOf(text);
    const fps = fingerprintWords(w, KEY);
    fingerprintMs += performance.now() - t0;
    words += w.length;
    fingerprintsOf.push(fps);
  }
  const holders = indexOf(fingerprintsOf);
  const stored = fingerprintsOf.reduce((n, f) => n + f.length, 0);
  log(`${ANSWERS} answers, ${words} words, ${stored} fingerprints (${holders.size} distinct)`);
  const scheme1Sample = 500;
  const scheme1Started = performance.now();
  for (let i = 0; i < scheme1Sample; i++) fingerprintWords(wordsOf(corpus.answer(i)), KEY, DEFAULT_WINNOW, 1);
  const scheme1Us = ((performance.now() - scheme1Started) * 1000) / scheme1Sample;
  rows.push({ group: 'tracing', name: `fingerprint cost per answer (${Math.round(words / ANSWERS)} words avg; in the tracing worker thread; scheme 2, AES CBC-MAC)`, value: (fingerprintMs * 1000) / ANSWERS, unit: 'µs', baseline: `scheme 1 (HMAC-SHA-256 per k-gram, before): ${scheme1Us.toFixed(0)} µs, ${scheme1Sample} answers` });
  rows.push({ group: 'tracing', name: `guaranteed shared run (k=${DEFAULT_WINNOW.k}, w=${DEFAULT_WINNOW.w})`, value: guaranteedRun(DEFAULT_WINNOW), unit: 'words' });

  const lookup = (f: number): number[] => holders.get(f) ?? [];
  for (const length of LENGTHS) {
    for (const rate of EDIT_RATES) {
      let top1 = 0;
      for (let n = 0; n < LEAKS_PER_CELL; n++) {
        const source = Math.floor(random() * ANSWERS);
        const leak = leakFrom(corpus.answer(source), length, { substitute: rate, restyle: random() < 0.5, dropSentences: random() < 0.3 ? 0.2 : 0 }, corpus.vocabulary, random);
        const verdict = scoreLeak(fingerprintWords(wordsOf(leak), KEY), lookup);
        if (verdict.kind === 'attributed' && verdict.ranked[0]!.call === source) top1++;
      }
      const share = (100 * top1) / LEAKS_PER_CELL;
      const target = length === 100 && rate === 0.1 ? '>= 99%' : length === 50 && rate === 0.1 ? '>= 90%' : undefined;
      rows.push({
        group: 'tracing',
        name: `top-1 attribution, ${length}-word leaks, ${Math.round(rate * 100)}% words substituted`,
        value: share,
        unit: '%',
        ...(target ? { target, meets: share >= (length === 100 ? 99 : 90) } : {}),
      });
    }
  }

  let falseAttributions = 0;
  let inconclusive = 0;
  for (let i = 0; i < UNRELATED; i++) {
    const verdict = scoreLeak(fingerprintWords(wordsOf(corpus.unrelated(i)), KEY), lookup);
    if (verdict.kind === 'attributed') falseAttributions++;
    if (verdict.kind === 'inconclusive') inconclusive++;
  }
  rows.push({ group: 'tracing', name: `false attributions on ${UNRELATED} unrelated texts`, value: falseAttributions, unit: '', baseline: `${inconclusive} inconclusive (boilerplate only)`, target: '0', meets: falseAttributions === 0 });

  const dir = await mkdtemp(join(tmpdir(), 'airlock-bench-trace-'));
  try {
    // The 10,000 answers in a real SQLite store: size on disk per word and per fingerprint row.
    const small = join(dir, 'small.db');
    await seedStore(small, fingerprintsOf);
    const size = (await stat(traceDatabaseBeside(small))).size;
    const bytesPerFingerprint = size / stored;
    rows.push({ group: 'tracing', name: 'stored bytes per answer word (SQLite, fingerprints + call rows + indexes)', value: size / words, unit: 'B', baseline: `${(size / 1e6).toFixed(1)} MB for ${ANSWERS} answers; ${bytesPerFingerprint.toFixed(1)} B per fingerprint` });

    // 2. The sweep.
    rows.push(...sweep(corpus, bytesPerFingerprint, log));

    // 3. Trace time against 100,000 stored answers; and PostgreSQL beside SQLite at 10,000.
    rows.push(...(await traceAtScale(small, join(dir, 'large.db'), corpus, ANSWERS, random, log)));
    rows.push(...(await traceOnPostgres(small, corpus, fingerprintsOf, random, log)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  // 4. The streamed call with tracing on and off.
  rows.push(...(await streamedLatency(log)));
  // 5. CPU per answer, group commit against one answer per commit.
  rows.push(...(await tracerCost(log)));
  return rows;
}

/** CPU time of this process (every thread), µs. */
const processCpuUs = (): number => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/**
 * Hands `count` answers to a tracer (the gateway's, with its worker and a trace.db) one per
 * millisecond, as a gateway serving about a thousand calls a second would, and returns the
 * process's CPU per answer from the first hand-off to the last commit. Without `batch`'s tracer
 * (null) the same pacing loop alone: what to subtract.
 */
async function pacedTracing(dir: string, count: number, text: (i: number) => string, batch: { answers: number; waitMs: number } | null | undefined): Promise<number> {
  const path = join(dir, `trace-${Math.random().toString(36).slice(2)}.db`);
  const tracer =
    batch === null
      ? null
      : createAnswerTracer({ sink: { kind: 'sqlite', path }, key: KEY, retentionDays: () => 90, nowMs: () => Date.now(), warn: (m) => process.stderr.write(`${m}\n`), ...(batch ? { batch } : {}) });
  // Keeps the event loop alive while the tracer's worker (unref'd when idle) exits.
  const alive = setInterval(() => undefined, 1000);
  try {
    await tracer?.idle(); // the worker started and the trace file made: not part of the cost
    const texts = Array.from({ length: count }, (_, i) => text(i));
    const callIds = Array.from({ length: count }, () => randomUUID());
    const started = processCpuUs();
    for (let i = 0; i < count; i++) {
      tracer?.trace({ callId: callIds[i]!, tester: 'bench@example.com', deviceId: 'dev_bench', model: 'airlock-demo' }, texts[i]!);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await tracer?.idle();
    return (processCpuUs() - started) / count;
  } finally {
    await tracer?.close();
    clearInterval(alive);
  }
}

async function tracerCost(log: (line: string) => void): Promise<BenchRow[]> {
  const corpus = answerCorpus(99);
  // 25-speed's upstream answer: 20 words, the same for every call.
  const short = Array.from({ length: 20 }, (_, i) => `w${i} `).join('');
  const shapes = [
    { name: "25-speed's 20-word answer", count: 2000, text: () => short },
    { name: `model-like answer (${Math.round(Array.from({ length: 400 }, (_, i) => wordsOf(corpus.answer(i)).length).reduce((a, b) => a + b, 0) / 400)} words on average, seeded corpus)`, count: 800, text: (i: number) => corpus.answer(i % 400) },
  ];
  const dir = await mkdtemp(join(tmpdir(), 'airlock-bench-trace-cost-'));
  const rows: BenchRow[] = [];
  try {
    for (const shape of shapes) {
      // Interleaved so the machine's other work falls on all three alike.
      const off = await pacedTracing(dir, shape.count, shape.text, null);
      const grouped = await pacedTracing(dir, shape.count, shape.text, undefined);
      const single = await pacedTracing(dir, shape.count, shape.text, { answers: 1, waitMs: 0 });
      const offAgain = await pacedTracing(dir, shape.count, shape.text, null);
      const pacing = (off + offAgain) / 2;
      log(`${shape.name}: CPU per answer with the pacing loop ${grouped.toFixed(0)} µs grouped, ${single.toFixed(0)} µs one per commit, ${pacing.toFixed(0)} µs pacing alone`);
      rows.push({
        group: 'tracing',
        name: `leak tracing CPU per answer (process, all threads), ${shape.name}, one answer a millisecond, group commit (${BATCH_ANSWERS} answers or ${BATCH_WAIT_MS} ms)`,
        value: grouped - pacing,
        unit: 'µs',
        // The worker still commits together whatever queued while it worked, so on a loaded machine the baseline groups some too.
        baseline: `one answer per hand-off: ${(single - pacing).toFixed(0)} µs`,
      });
    }
    rows.push(stagedWrites(dir, corpus, log));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

/**
 * The worker's SQLite write alone, into a trace.db already holding a million fingerprints: 1,000
 * model-like answers committed 50 at a time through trace_fresh (moved in bulk at MERGE_ROWS), and
 * the same answers into another copy with the move after every batch, as when each commit inserted
 * into the hash-keyed table directly.
 */
function stagedWrites(dir: string, corpus: Corpus, log: (line: string) => void): BenchRow {
  const answers = Array.from({ length: 1000 }, (_, i) => fingerprintWords(wordsOf(corpus.answer(i)), KEY));
  const cpuPerAnswer = (mergeRows: number): number => {
    const db = openTraceDatabase(join(dir, `staged-${mergeRows}.db`));
    try {
      // A million fingerprints already there (seeding, not measured).
      const seed = db.prepare('INSERT OR IGNORE INTO trace_fingerprints (hash, call) VALUES (?, ?)');
      const random = seededRandom(31);
      db.transaction(() => {
        for (let i = 0; i < 1_000_000; i++) seed.run(2 ** 48 + Math.floor(random() * 2 ** 48), 10_000_000 + Math.floor(i / 100));
      })();
      db.pragma('wal_checkpoint(TRUNCATE)');
      const rows = sqliteTraceRows(db, { mergeRows });
      const createdAt = new Date().toISOString();
      const started = processCpuUs();
      for (let from = 0; from < answers.length; from += 50) {
        rows.write(answers.slice(from, from + 50).map((fingerprints, i) => ({ callId: `staged-${from + i}`, tester: 'bench@example.com', deviceId: 'dev_bench', model: 'airlock-demo', createdAt, fingerprints })));
      }
      return (processCpuUs() - started) / answers.length;
    } finally {
      db.close();
    }
  };
  const direct = cpuPerAnswer(1);
  const staged = cpuPerAnswer(MERGE_ROWS);
  log(`trace.db writes over 1M fingerprints: ${staged.toFixed(0)} µs per answer staged, ${direct.toFixed(0)} µs moved every batch`);
  return {
    group: 'tracing',
    name: `SQLite write CPU per model-like answer, 50 a commit, into a trace.db holding 1,000,000 fingerprints (staged in trace_fresh, moved every ${MERGE_ROWS.toLocaleString('en-US')} rows)`,
    value: staged,
    unit: 'µs',
    baseline: `moved into the hash-keyed table every batch: ${direct.toFixed(0)} µs`,
  };
}

/**
 * Writes the answers into a fresh store made by the gateway's own migrations, in one transaction,
 * in key order (a bulk load: seeding, not what is measured).
 */
async function seedStore(path: string, fingerprintsOf: readonly (readonly number[])[]): Promise<void> {
  await openSqliteStore(path).close();
  // The fingerprints live in the store's trace file (gateway/tracing/trace-database.ts).
  const db = new Database(traceDatabaseBeside(path));
  const rows = fingerprintsOf.flatMap((fps, i) => fps.map((f) => [f, i] as const)).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const createdAt = new Date().toISOString();
  // Answer n is call id n + 1 (trace schema 2: fingerprint rows hold the call's integer id).
  const insertCall = db.prepare('INSERT INTO trace_calls (id, call_id, tester, device_id, model, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  const insertFp = db.prepare('INSERT OR IGNORE INTO trace_fingerprints (hash, call) VALUES (?, ?)');
  db.transaction(() => {
    fingerprintsOf.forEach((_, n) => insertCall.run(n + 1, callIdOf(n), `tester${n % 50}@example.com`, `dev_${(n % 200).toString().padStart(22, '0')}`, 'airlock-demo', createdAt));
    for (const [f, i] of rows) insertFp.run(f, i + 1);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('VACUUM');
  db.close();
}

const callIdOf = (n: number): string => `call_${n.toString(36).padStart(8, '0')}`;

/**
 * A store of `copies` x the answers of the store at `from`, made by SQL inside SQLite (seeding,
 * not what is measured). Copies after the first stand for other answers: their fingerprints that
 * only one answer holds are moved to other values (XOR with a per-copy constant, as another
 * answer's own phrasing would hash elsewhere), while the ones several answers share (boilerplate,
 * common phrases) stay, so those gain holders in proportion, as in a corpus ten times the size.
 */
async function scaleStore(from: string, path: string, copies: number): Promise<void> {
  await copyFile(from, path);
  await copyFile(traceDatabaseBeside(from), traceDatabaseBeside(path));
  const db = new Database(traceDatabaseBeside(path));
  // Seeding only: no journal (rows written once, not through a WAL and a checkpoint) and no fsync.
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -500000');
  db.exec(`
    DROP INDEX trace_fingerprints_by_call;
    CREATE TEMP TABLE base_calls AS SELECT * FROM trace_calls;
    CREATE TEMP TABLE base_fps AS SELECT * FROM trace_fingerprints;
    CREATE TEMP TABLE shared (hash INTEGER PRIMARY KEY);
    INSERT INTO shared SELECT hash FROM base_fps GROUP BY hash HAVING count(*) > 1;
  `);
  // Copy c of call id i is call id i + c * (calls in the base).
  const base = db.prepare('SELECT max(id) FROM base_calls').pluck().get() as number;
  const addCalls = db.prepare("INSERT INTO trace_calls SELECT id + @copy * @base, call_id || '.' || @copy, tester, device_id, model, created_at FROM base_calls");
  // XOR as (a | b) - (a & b): SQLite has no XOR operator.
  const addFps = db.prepare(`INSERT OR IGNORE INTO trace_fingerprints
    SELECT CASE WHEN hash IN (SELECT hash FROM shared) THEN hash ELSE (hash | @mask) - (hash & @mask) END AS h, call + @copy * @base
    FROM base_fps ORDER BY h`);
  db.transaction(() => {
    for (let copy = 1; copy < copies; copy++) {
      addCalls.run({ copy, base });
      addFps.run({ mask: BigInt(Math.floor(seededRandom(copy * 7919)() * 2 ** 48)), copy, base });
    }
  })();
  // The schema's own index, made once over the loaded rows.
  db.exec('CREATE INDEX trace_fingerprints_by_call ON trace_fingerprints (call)');
  db.pragma('journal_mode = WAL');
  db.close();
}

async function traceAtScale(small: string, path: string, corpus: Corpus, answersIn: number, random: () => number, log: (line: string) => void): Promise<BenchRow[]> {
  const t0 = performance.now();
  await scaleStore(small, path, SCALE_COPIES);
  const answers = answersIn * SCALE_COPIES;
  log(`seeded ${answers} answers (${((await stat(traceDatabaseBeside(path))).size / 1e6).toFixed(0)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const store = openSqliteStore(path);
  const rows: BenchRow[] = [];
  try {
    for (const length of [100, 300]) {
      const times: number[] = [];
      let found = 0;
      for (let n = 0; n < TRACES; n++) {
        const source = Math.floor(random() * answersIn);
        const leak = leakFrom(corpus.answer(source), length, { substitute: 0.1 }, corpus.vocabulary, random);
        const started = performance.now();
        const report = await traceLeak({ store, key: KEY }, leak);
        times.push(performance.now() - started);
        if (report.verdict === 'attributed' && report.calls[0]!.callId === callIdOf(source)) found++;
      }
      const p95 = percentile(times, 95);
      rows.push({
        group: 'tracing',
        name: `trace time, ${length}-word leak (10% substituted), ${answers.toLocaleString('en-US')} answers in SQLite (p95 of ${TRACES})`,
        value: p95,
        unit: 'ms',
        baseline: `p50 ${percentile(times, 50).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms; ${found}/${TRACES} traced to their answer`,
        target: '< 1000 ms',
        meets: p95 < 1000,
      });
    }
  } finally {
    await store.close();
  }
  return rows;
}

/** The times of TRACES traces of 300-word leaks (10% substituted) through `store`. */
async function traceTimes(store: TraceSource, corpus: Corpus, answers: number, random: () => number): Promise<number[]> {
  const times: number[] = [];
  for (let n = 0; n < TRACES; n++) {
    const leak = leakFrom(corpus.answer(Math.floor(random() * answers)), 300, { substitute: 0.1 }, corpus.vocabulary, random);
    const started = performance.now();
    await traceLeak({ store, key: KEY }, leak);
    times.push(performance.now() - started);
  }
  return times;
}

/**
 * The 10,000 answers in a throwaway PostgreSQL, written through the store's own batched write, and
 * the same traces through the SQLite store beside it. (10,000, not 100,000: ten million rows through
 * the store's write would take minutes here.)
 */
async function traceOnPostgres(sqlitePath: string, corpus: Corpus, fingerprintsOf: readonly (readonly number[])[], random: () => number, log: (line: string) => void): Promise<BenchRow[]> {
  let server: ThrowawayPostgres | undefined;
  try {
    server = await startThrowawayPostgres();
    const store = await openPostgresStore(await server.createDatabase('airlock_bench_trace'));
    try {
      const createdAt = new Date().toISOString();
      const started = performance.now();
      for (let from = 0; from < fingerprintsOf.length; from += 500) {
        await store.addTraces(fingerprintsOf.slice(from, from + 500).map((fingerprints, i) => ({ callId: `call_${(from + i).toString(36).padStart(8, '0')}`, tester: 'bench@example.com', deviceId: 'dev_bench', model: 'airlock-demo', createdAt, fingerprints })));
      }
      log(`PostgreSQL: ${fingerprintsOf.length} answers written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      const sqlite = openSqliteStore(sqlitePath);
      const onSqlite = await traceTimes(sqlite, corpus, fingerprintsOf.length, random).finally(() => sqlite.close());
      const onPostgres = await traceTimes(store, corpus, fingerprintsOf.length, random);
      return [{ group: 'tracing', name: `trace time, 300-word leak, ${fingerprintsOf.length.toLocaleString('en-US')} answers in PostgreSQL (p50 of ${TRACES})`, value: percentile(onPostgres, 50), unit: 'ms', baseline: `SQLite ${percentile(onSqlite, 50).toFixed(1)} ms with the same answers; p95 PG ${percentile(onPostgres, 95).toFixed(0)} / SQLite ${percentile(onSqlite, 95).toFixed(0)} ms` }];
    } finally {
      await store.close();
    }
  } catch (error) {
    log(`PostgreSQL part skipped: ${error instanceof Error ? error.message : String(error)}`);
    return [{ group: 'tracing', name: 'trace time in PostgreSQL (failed, see stderr)', value: Number.NaN, unit: 'ms' }];
  } finally {
    await server?.down();
  }
}

/** k, w and the naming threshold, on a smaller corpus: the same leaks and unrelated texts for every setting. */
function sweep(corpus: Corpus, bytesPerFingerprint: number, log: (line: string) => void): BenchRow[] {
  const random = seededRandom(4242);
  const answers = Array.from({ length: SWEEP_ANSWERS }, (_, i) => wordsOf(corpus.answer(i)));
  const leaks = SWEEP_CELLS.map(({ length, rate }) =>
    Array.from({ length: SWEEP_LEAKS_PER_CELL }, () => {
      const source = Math.floor(random() * SWEEP_ANSWERS);
      return { source, words: wordsOf(leakFrom(corpus.answer(source), length, { substitute: rate, restyle: random() < 0.5, dropSentences: random() < 0.3 ? 0.2 : 0 }, corpus.vocabulary, random)) };
    }),
  );
  const unrelated = Array.from({ length: SWEEP_UNRELATED }, (_, i) => wordsOf(corpus.unrelated(i)));
  const totalWords = answers.reduce((n, a) => n + a.length, 0);
  const rows: BenchRow[] = [];
  const byK = new Map<number, { answers: number[][]; leaks: number[][][]; unrelated: number[][] }>();
  const started = performance.now();
  for (const k of new Set(SWEEP_WINNOW.map((s) => s.k))) {
    byK.set(k, {
      answers: answers.map((w) => kgramHashes(w, KEY, k)),
      leaks: leaks.map((cell) => cell.map((l) => kgramHashes(l.words, KEY, k))),
      unrelated: unrelated.map((w) => kgramHashes(w, KEY, k)),
    });
  }
  log(`sweep: k-gram hashes for k = ${[...byK.keys()].join(', ')} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const evaluate = (settings: WinnowSettings, trace: TraceSettings): { cells: number[]; falses: number; bytesPerWord: number } => {
    const hashes = byK.get(settings.k)!;
    const select = (h: readonly number[]): number[] => [...new Set(winnow(h, settings.w))];
    const stored = hashes.answers.map(select);
    const index = indexOf(stored);
    const lookup = (f: number): number[] => index.get(f) ?? [];
    const cells = leaks.map((cell, c) => {
      let top1 = 0;
      cell.forEach((leak, n) => {
        const verdict = scoreLeak(select(hashes.leaks[c]![n]!), lookup, trace);
        if (verdict.kind === 'attributed' && verdict.ranked[0]!.call === leak.source) top1++;
      });
      return (100 * top1) / cell.length;
    });
    const falses = hashes.unrelated.filter((h) => scoreLeak(select(h), lookup, trace).kind === 'attributed').length;
    const bytesPerWord = (stored.reduce((n, f) => n + f.length, 0) * bytesPerFingerprint) / totalWords;
    return { cells, falses, bytesPerWord };
  };
  const describe = (r: ReturnType<typeof evaluate>): string =>
    `${SWEEP_CELLS.map((c, i) => `${c.length}w@${Math.round(c.rate * 100)}% ${r.cells[i]!.toFixed(0)}`).join(', ')}; false ${r.falses}/${SWEEP_UNRELATED}; ${r.bytesPerWord.toFixed(1)} B/word`;
  for (const settings of SWEEP_WINNOW) {
    const r = evaluate(settings, DEFAULT_TRACE);
    const isDefault = settings.k === DEFAULT_WINNOW.k && settings.w === DEFAULT_WINNOW.w;
    rows.push({ group: 'tracing sweep', name: `k=${settings.k} w=${settings.w} (run ${guaranteedRun(settings)} words)${isDefault ? ' (default)' : ''}, ${SWEEP_ANSWERS} answers: top-1 50w@10%`, value: r.cells[0]!, unit: '%', baseline: describe(r) });
  }
  for (const trace of SWEEP_TRACE) {
    const r = evaluate(DEFAULT_WINNOW, trace);
    const isDefault = trace.minCoverage === DEFAULT_TRACE.minCoverage && trace.minDistinctive === DEFAULT_TRACE.minDistinctive;
    rows.push({ group: 'tracing sweep', name: `k=4 w=5, named at coverage >= ${trace.minCoverage} and >= ${trace.minDistinctive} distinctive${isDefault ? ' (default)' : ''}: top-1 50w@10%`, value: r.cells[0]!, unit: '%', baseline: describe(r) });
  }
  return rows;
}

/** One streamed demo answer: time to the first event and to the end, in ms. */
async function timedAnswer(device: TestDevice, prompt: string): Promise<{ ttft: number; total: number }> {
  const started = performance.now();
  const stream = await openStream(device, 'POST', '/v1/chat/completions', { model: 'airlock-demo', stream: true, messages: [{ role: 'user', content: prompt }] });
  if (stream.status !== 200) throw new Error(`streamed call refused (${stream.status}): ${await stream.text()}`);
  const first = await stream.next();
  const ttft = performance.now() - started;
  if (!first) throw new Error('empty stream');
  await stream.rest();
  return { ttft, total: performance.now() - started };
}

/**
 * Two gateways on the demo upstream at full speed, one with tracing off (AIRLOCK_LEAK_TRACING=off);
 * rounds alternate between them, CONCURRENT long answers in flight, so each answer's
 * fingerprinting overlaps other calls' streams. Paired rounds whose differences fall on both sides
 * of zero show no measurable effect.
 */
export async function streamedLatency(log: (line: string) => void): Promise<BenchRow[]> {
  const gateways: TestGateway[] = [];
  try {
    const env = { AIRLOCK_DEMO_TOKENS_PER_SECOND: '0' };
    const on = await startGateway({ env, policy: { limits: { requestsPerMinute: 10_000_000, tokensPerDay: 2_000_000_000 } } });
    gateways.push(on);
    const off = await startGateway({ env: { ...env, [LEAK_TRACING_ENV]: 'off' }, policy: { limits: { requestsPerMinute: 10_000_000, tokensPerDay: 2_000_000_000 } } });
    gateways.push(off);
    const devices = { on: await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => on.enrolledDevice(`on${i}@example.com`))), off: await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => off.enrolledDevice(`off${i}@example.com`))) };
    const topics = ['glaciers', 'compilers', 'beekeeping', 'tidal power', 'bread baking', 'railway signalling', 'lighthouse optics', 'soil chemistry'];
    const timings = { on: [] as { ttft: number; total: number }[], off: [] as { ttft: number; total: number }[] };
    let call = 0;
    const round = async (mode: 'on' | 'off'): Promise<number> => {
      const totals: number[] = [];
      await Promise.all(
        devices[mode].map(async (device) => {
          for (let n = 0; n < CALLS_PER_ROUND / CONCURRENT; n++) {
            const t = await timedAnswer(device, `Explain ${topics[call++ % topics.length]} in depth (${call})`);
            timings[mode].push(t);
            totals.push(t.total);
          }
        }),
      );
      return percentile(totals, 50);
    };
    await round('on'); // warm-up: the first calls pay for JIT and the tracing worker's start
    await round('off');
    timings.on.length = 0;
    timings.off.length = 0;
    // Paired rounds, the order flipped every other round: what the machine's other work does to one
    // round it mostly does to its pair.
    const differences: number[] = [];
    for (let r = 0; r < LATENCY_ROUNDS; r++) {
      const [on, off] = r % 2 === 0 ? [await round('on'), await round('off')] : ([await round('off'), await round('on')].reverse() as [number, number]);
      differences.push(on - off);
    }
    const p = (mode: 'on' | 'off', key: 'ttft' | 'total', q: number): number => percentile(timings[mode].map((t) => t[key]), q);
    const low = Math.min(...differences);
    const high = Math.max(...differences);
    log(`streamed calls: ${timings.on.length} with tracing on, ${timings.off.length} off; per-round p50 ON - OFF: ${differences.map((d) => d.toFixed(0)).join(', ')} ms`);
    return [
      { group: 'tracing', name: `streamed long answer, total time p50, tracing ON (${CONCURRENT} concurrent, demo at full speed)`, value: p('on', 'total', 50), unit: 'ms', baseline: `OFF ${p('off', 'total', 50).toFixed(1)} ms; p95 ON ${p('on', 'total', 95).toFixed(0)} / OFF ${p('off', 'total', 95).toFixed(0)} ms` },
      { group: 'tracing', name: 'streamed long answer, time to first event p50, tracing ON', value: p('on', 'ttft', 50), unit: 'ms', baseline: `OFF ${p('off', 'ttft', 50).toFixed(1)} ms` },
      {
        group: 'tracing',
        name: `tracing ON minus OFF, total time p50, median of ${LATENCY_ROUNDS} paired rounds`,
        value: percentile(differences, 50),
        unit: 'ms',
        baseline: `paired differences ${low.toFixed(0)} to ${high.toFixed(0)} ms`,
        target: 'none measurable (differences on both sides of 0)',
        meets: low <= 0 && high >= 0,
      },
    ];
  } finally {
    for (const gw of gateways) await gw.stop();
  }
}
