/**
 * Issue 17, leak tracing at the default settings (k = 4, w = 5, gateway/tracing/): a seeded corpus
 * of 10,000 model-like answers (test/helpers/answer-corpus.ts) fingerprinted and indexed in
 * memory; 1,000 leaks cut from them (30-300 words, 5-20% of words substituted, restyled, some
 * sentences dropped) ranked; 1,000 unrelated texts; then the same answers in a real SQLite store
 * for bytes per answer word and the time of one trace through the store.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../gateway/store/sqlite-store.js';
import { DEFAULT_WINNOW, fingerprintWords, guaranteedRun } from '../../gateway/tracing/fingerprint.js';
import { wordsOf } from '../../gateway/tracing/normalise.js';
import { scoreLeak } from '../../gateway/tracing/score.js';
import { traceLeak } from '../../gateway/tracing/trace-leak.js';
import type { BenchRow } from '../run.js';
import { percentile } from '../stats.js';
import { answerCorpus, leakFrom, seededRandom } from '../../test/helpers/answer-corpus.js';

const ANSWERS = 10_000;
const LEAKS_PER_CELL = 84; // 12 cells: 1,008 leaks
const LENGTHS = [30, 50, 100, 300];
const EDIT_RATES = [0.05, 0.1, 0.2];
const UNRELATED = 1_000;
const KEY = Buffer.alloc(32, 0x17);

export default async function tracing(log: (line: string) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const corpus = answerCorpus(2026);
  const holders = new Map<number, number[]>();
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
    for (const f of fps) {
      const list = holders.get(f);
      if (list) list.push(i);
      else holders.set(f, [i]);
    }
  }
  log(`${ANSWERS} answers, ${words} words, ${holders.size} distinct fingerprints`);
  rows.push({ group: 'tracing', name: `fingerprint cost per answer (${Math.round(words / ANSWERS)} words avg, off the request path)`, value: (fingerprintMs * 1000) / ANSWERS, unit: 'µs' });
  rows.push({ group: 'tracing', name: `guaranteed shared run (k=${DEFAULT_WINNOW.k}, w=${DEFAULT_WINNOW.w})`, value: guaranteedRun(DEFAULT_WINNOW), unit: 'words' });

  const random = seededRandom(17);
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

  // The same answers in a real SQLite store: size on disk and one trace through the store.
  const dir = await mkdtemp(join(tmpdir(), 'airlock-bench-trace-'));
  try {
    const path = join(dir, 'airlock.db');
    await openSqliteStore(path).close();
    const db = new Database(path);
    const insertCall = db.prepare('INSERT INTO trace_calls (call_id, tester, device_id, model, created_at) VALUES (?, ?, ?, ?, ?)');
    const insertFp = db.prepare('INSERT OR IGNORE INTO trace_fingerprints (hash, call_id, created_at) VALUES (?, ?, ?)');
    const at = new Date().toISOString();
    db.transaction(() => {
      fingerprintsOf.forEach((fps, i) => {
        const callId = `call_${i.toString(36).padStart(8, '0')}`;
        insertCall.run(callId, `tester${i % 50}@example.com`, `dev_${(i % 200).toString().padStart(22, '0')}`, 'airlock-demo', at);
        for (const f of fps) insertFp.run(f, callId, at);
      });
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.exec('VACUUM');
    db.close();
    const size = (await stat(path)).size;
    rows.push({ group: 'tracing', name: 'stored bytes per answer word (SQLite, fingerprints + call rows + indexes)', value: size / words, unit: 'B', baseline: `${(size / 1e6).toFixed(1)} MB for ${ANSWERS} answers` });
    const store = openSqliteStore(path);
    try {
      const times: number[] = [];
      for (let n = 0; n < 50; n++) {
        const leak = leakFrom(corpus.answer(Math.floor(random() * ANSWERS)), 300, { substitute: 0.1 }, corpus.vocabulary, random);
        const t0 = performance.now();
        await traceLeak({ holders: (f) => store.traceHolders(f), key: KEY }, leak);
        times.push(performance.now() - t0);
      }
      rows.push({ group: 'tracing', name: `trace time, 300-word leak, ${ANSWERS} answers in SQLite (p50)`, value: percentile(times, 50), unit: 'ms', target: '< 1000 ms at 100,000 (not measured here)' });
    } finally {
      await store.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}
