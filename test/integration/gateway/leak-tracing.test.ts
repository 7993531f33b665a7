/**
 * Issue 17 through a real gateway (demo upstream): each answer streamed to a tester is
 * fingerprinted after its call under DATA/trace.key, and the store keeps the fingerprints and who
 * the answer went to, never the answer's words.
 *
 * Deterministic: the demo's answers depend only on the prompt, and the data directory gets a fixed
 * trace key (test/fixtures/tracing/trace.key, written where the gateway reads it) before the
 * gateway starts, so every fingerprint, coverage and ranking below is the same on every run, and
 * the test computes each expected trace report itself from the answers' texts.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_LABEL } from '../../../gateway/model/demo-answers.js';
import { DEFAULT_WINNOW, fingerprintWords, guaranteedRun, kgramHashes } from '../../../gateway/tracing/fingerprint.js';
import { scoreLeak } from '../../../gateway/tracing/score.js';
import type { TraceReport } from '../../../gateway/tracing/trace-leak.js';
import { loadTraceKey } from '../../../gateway/tracing/trace-key.js';
import { wordsOf } from '../../../gateway/tracing/normalise.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { dataDirWithTraceKey, pastedBack, streamAnswer, type Streamed } from '../../helpers/leak-tracing.js';
import type { TestDevice } from '../../helpers/pinned-client.js';

function storedRows(dataDir: string): { call_id: string; tester: string; device_id: string; hash: number }[] {
  const db = new Database(join(dataDir, 'trace.db'), { readonly: true, fileMustExist: true });
  try {
    // New fingerprints are in trace_fresh until they move to trace_fingerprints (gateway/tracing/trace-database.ts).
    return db.prepare('SELECT c.call_id, c.tester, c.device_id, f.hash FROM (SELECT hash, call FROM trace_fingerprints UNION ALL SELECT hash, call FROM trace_fresh) f JOIN trace_calls c ON c.id = f.call').all() as never;
  } finally {
    db.close();
  }
}

/** Every byte of the store's files and the trace file (database, WAL), as lowercase text. */
async function storeText(dataDir: string): Promise<string> {
  const files = (await readdir(dataDir)).filter((f) => f.startsWith('airlock.db') || f.startsWith('trace.db'));
  return (await Promise.all(files.map((f) => readFile(join(dataDir, f))))).map((b) => b.toString('latin1').toLowerCase()).join('\n');
}

async function until<T>(probe: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The longest runs of `leak`'s words that `answer`'s words hold unchanged, each at least `min` words. */
function sharedRuns(leak: readonly string[], answer: readonly string[], min: number): string[][] {
  const text = `\0${answer.join('\0')}\0`;
  const runs: string[][] = [];
  for (let start = 0; start < leak.length; ) {
    let end = start;
    while (end < leak.length && text.includes(`\0${leak.slice(start, end + 1).join('\0')}\0`)) end++;
    if (end - start >= min) runs.push(leak.slice(start, end));
    start = Math.max(end, start + 1);
  }
  return runs;
}

// Each trace runs the CLI (a Node process): seconds apiece on a loaded machine.
describe('leak tracing through the gateway', { timeout: 120_000 }, () => {
  let gw: TestGateway;
  let root = '';
  let key: Buffer;
  let greeting: Streamed;
  let ada: TestDevice;
  const answers: Streamed[] = [];
  /** The store files' text before any answer: words the gateway itself writes (model ids, audit types). */
  let before = '';
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'airlock-trace-'));
    const dataDir = await dataDirWithTraceKey(join(root, 'data'));
    key = await loadTraceKey(join(dataDir, 'trace.key'));
    gw = await startGateway({ dataDir });
    ada = await gw.enrolledDevice('ada@example.com');
    const bob = await gw.enrolledDevice('bob@example.com');
    greeting = await streamAnswer(ada, 'hello');
    before = await storeText(gw.dataDir);
    const topics = ['glaciers', 'compilers', 'beekeeping', 'tidal power', 'bread baking', 'railway signalling'];
    for (const [i, topic] of topics.entries()) answers.push(await streamAnswer(i % 2 === 0 ? ada : bob, `Explain ${topic} in depth`));
  }, 180_000);
  afterAll(async () => {
    await gw?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** What `trace` must report for `leak`: the same fingerprints and scoring, over the answers' own texts. */
  function expectedReport(leak: string): { verdict: TraceReport['verdict']; calls: Pick<TraceReport['calls'][number], 'callId' | 'coverage' | 'matched' | 'distinctive'>[] } {
    const holders = new Map<number, string[]>();
    for (const answer of [greeting, ...answers]) for (const f of fingerprintWords(wordsOf(answer.text), key)) holders.set(f, [...(holders.get(f) ?? []), answer.callId!]);
    const verdict = scoreLeak(fingerprintWords(wordsOf(leak), key), (f) => holders.get(f) ?? []);
    return { verdict: verdict.kind, calls: verdict.ranked.map((m) => ({ callId: m.call, coverage: Math.round(m.coverage * 1000) / 1000, matched: m.matched, distinctive: m.distinctive })) };
  }

  it('fingerprints each streamed answer under the trace key, with its tester and device', async () => {
    const rows = await until(() => {
      const r = storedRows(gw.dataDir);
      return new Set(r.map((row) => row.call_id)).size === answers.length + 1 ? r : undefined;
    });
    for (const answer of [greeting, ...answers]) {
      const expected = fingerprintWords(wordsOf(answer.text), key).sort((a, b) => a - b);
      const mine = rows.filter((r) => r.device_id === answer.device.deviceId);
      const call = [...new Set(mine.map((r) => r.call_id))].find((id) => {
        const got = mine.filter((r) => r.call_id === id).map((r) => r.hash).sort((a, b) => a - b);
        return JSON.stringify(got) === JSON.stringify(expected);
      });
      expect(call, answer.text.slice(0, 80)).toBeDefined();
      answer.callId = call!;
      expect(mine.find((r) => r.call_id === call)!.tester).toBe(answer.device.tester);
    }
  });

  it('keeps none of the answers\' words in the store files', async () => {
    const distinctive = new Set(answers.flatMap((a) => wordsOf(a.text)).filter((w) => w.length >= 6));
    expect(distinctive.size).toBeGreaterThan(20);
    for (const word of distinctive) if (before.includes(word)) distinctive.delete(word);
    expect(distinctive.size).toBeGreaterThan(20);
    const bytes = await storeText(gw.dataDir);
    const found = [...distinctive].filter((w) => bytes.includes(w));
    expect(found).toEqual([]);
  });

  async function trace(name: string, text: string): Promise<TraceReport> {
    const file = join(gw.dataDir, '..', `${name}.txt`);
    await writeFile(file, text);
    const result = await gw.cli(['trace', file, '--json']);
    expect(result.code, result.stderr).toBe(0);
    return result.json<TraceReport>();
  }

  it('traces a pasted-back answer (case, punctuation, line breaks changed, one word in ten replaced) to its tester, device and call', async () => {
    for (const answer of [answers[2]!, answers[3]!]) {
      const leak = pastedBack(answer.text);
      expect(leak.split(/\s+/u).length).toBe(100);
      const report = await trace(`leak-${answer.callId}`, leak);
      expect(report.verdict).toBe('attributed');
      expect(report.calls[0]).toMatchObject({ callId: answer.callId, tester: answer.device.tester, deviceId: answer.device.deviceId, model: 'airlock-demo' });
      // Exactly the ranking the fingerprints of the texts give under the fixed key: coverage,
      // matched and distinctive fingerprints of every call, in order.
      const expected = expectedReport(leak);
      expect(expected.verdict).toBe('attributed');
      // (Calls tied on both scores come in the store's row order: compared by call id.)
      const canonical = <C extends { callId: string; coverage: number; distinctive: number }>(calls: C[]): C[] => [...calls].sort((x, y) => y.coverage - x.coverage || y.distinctive - x.distinctive || x.callId.localeCompare(y.callId));
      expect(canonical(report.calls.map(({ callId, coverage, matched, distinctive }) => ({ callId, coverage, matched, distinctive })))).toEqual(canonical(expected.calls));
      // The winnowing guarantee on the gateway's own fingerprints: each run of the leak's words the
      // answer holds unchanged, w + k - 1 words or longer, shares a fingerprint with the answer.
      const leakWords = wordsOf(leak);
      const ofAnswer = new Set(fingerprintWords(wordsOf(answer.text), key));
      const common = new Set(fingerprintWords(leakWords, key).filter((f) => ofAnswer.has(f)));
      const runs = sharedRuns(leakWords, wordsOf(answer.text), guaranteedRun(DEFAULT_WINNOW));
      expect(runs.length).toBeGreaterThanOrEqual(5);
      for (const run of runs) expect(kgramHashes(run, key, DEFAULT_WINNOW.k).some((h) => common.has(h)), run.join(' ')).toBe(true);
      expect(report.calls[0]!.matched).toBe(common.size);
    }
    const human = await gw.cli(['trace', join(gw.dataDir, '..', `leak-${answers[2]!.callId}.txt`)]);
    expect(human.stdout).toContain('Attributed');
    expect(human.stdout).toContain(answers[2]!.device.deviceId!);
  });

  it('finds a call from a run of only w + k - 1 of its words inside unrelated text', async () => {
    const answer = answers[4]!;
    const words = wordsOf(answer.text);
    const run = words.slice(40, 40 + guaranteedRun(DEFAULT_WINNOW)).join(' ');
    const report = await trace('short-run', `My neighbour wrote to me last week, quoting something: ${run}. I never found out where she read it.`);
    expect(report.calls.map((c) => c.callId)).toContain(answer.callId);
  });

  it('a text sharing only the demo\'s boilerplate opening line is inconclusive and names nobody', async () => {
    const leak = DEMO_LABEL.replace(/_/gu, '').toUpperCase();
    const report = await trace('boilerplate', leak);
    expect(report.verdict).toBe('inconclusive');
    expect(expectedReport(leak).verdict).toBe('inconclusive');
    expect(report.calls.length).toBeGreaterThan(0);
    expect(report.calls.every((c) => c.distinctive === 0)).toBe(true);
    const human = await gw.cli(['trace', join(gw.dataDir, '..', 'boilerplate.txt')]);
    expect(human.stdout).toContain('Inconclusive');
  });

  it('an unrelated text matches nothing', async () => {
    const report = await trace('unrelated', 'Tomatoes ripen faster on the windowsill when a banana sits beside them, my grandmother used to say every August while she canned the last of the harvest.');
    expect(report).toMatchObject({ verdict: 'no-match', calls: [] });
  });

  it('audits each trace as an admin action with the text\'s hash, not the text', async () => {
    const tail = await gw.cli(['audit', 'tail', '--json', '-n', '20']);
    const traces = tail.json<{ type: string; subject: string; details: Record<string, unknown> }[]>().filter((e) => e.type === 'admin.trace');
    expect(traces.length).toBeGreaterThanOrEqual(4);
    const attributed = traces.find((e) => e.details.verdict === 'attributed')!;
    expect(attributed.subject).toMatch(/^sha256:[0-9a-f]{64}$/u);
    expect(attributed.details).toMatchObject({ callId: answers[2]!.callId, tester: answers[2]!.device.tester });
    expect(JSON.stringify(traces)).not.toContain('zebra');
  });

  it('keeps committed fingerprints through a kill -9: the restarted gateway traces the answer', async () => {
    const known = new Set(storedRows(gw.dataDir).map((r) => r.call_id));
    const answer = await streamAnswer(ada, 'Explain lighthouse optics in depth');
    // Visible to another connection means committed by the tracing worker (synchronous=FULL).
    const callId = await until(() => storedRows(gw.dataDir).find((r) => !known.has(r.call_id))?.call_id);
    const stored = storedRows(gw.dataDir).filter((r) => r.call_id === callId).length;
    expect(stored).toBe(fingerprintWords(wordsOf(answer.text), key).length);
    await gw.kill('SIGKILL');
    gw = await startGateway({ dataDir: gw.dataDir });
    expect(storedRows(gw.dataDir).filter((r) => r.call_id === callId)).toHaveLength(stored);
    const report = await trace('after-crash', pastedBack(answer.text));
    expect(report.verdict).toBe('attributed');
    expect(report.calls[0]).toMatchObject({ callId, tester: 'ada@example.com', deviceId: ada.deviceId });
  });
});
