/**
 * Issue 17, the pure part of leak tracing: normalising, keyed winnowing and scoring. The shared-run
 * guarantee, what a copier's edits leave intact, attribution through 10% substituted words,
 * boilerplate named as inconclusive and unrelated text matching nothing.
 */
import { mkdtemp, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wordsOf } from '../../../gateway/tracing/normalise.js';
import { DEFAULT_WINNOW, fingerprintWords, guaranteedRun, kgramHashes, winnow } from '../../../gateway/tracing/fingerprint.js';
import { scoreLeak } from '../../../gateway/tracing/score.js';
import { loadTraceKey } from '../../../gateway/tracing/trace-key.js';
import { answerCorpus, BOILERPLATE, leakFrom, seededRandom } from '../../helpers/answer-corpus.js';

const KEY = Buffer.alloc(32, 7);
const fp = (text: string): number[] => fingerprintWords(wordsOf(text), KEY);

/** An in-memory fingerprint index: what the store does, for scoring in tests. */
function index(answers: readonly string[]): (fingerprint: number) => number[] {
  const holders = new Map<number, number[]>();
  answers.forEach((answer, call) => {
    for (const f of fp(answer)) holders.set(f, [...(holders.get(f) ?? []), call]);
  });
  return (f) => holders.get(f) ?? [];
}

describe('normalise', () => {
  it('takes out case, punctuation, line breaks, markdown and compatibility forms', () => {
    const original = '## The **Model’s** answer\n\n1. Use [the guide](https://example.test/guide) — _carefully_!\n2. `Run` it: don\'t wait.';
    const copied = 'the models answer use the guide carefully\nrun it dont wait';
    expect(wordsOf(original)).toEqual(wordsOf(copied));
    expect(wordsOf('ＦＵＬＬ width ﬁne STRASSE Straße')).toEqual(['full', 'width', 'fine', 'strasse', 'strasse']);
  });
});

describe('winnowing', () => {
  it('selects the rightmost minimum of each window, once per position', () => {
    expect(winnow([5, 3, 3, 9, 1, 1, 4], 3)).toEqual([3, 1, 1]);
    expect(winnow([2, 8], 4)).toEqual([2]);
    expect(winnow([], 4)).toEqual([]);
  });

  it('always finds a shared run of w + k - 1 words, whatever surrounds it', () => {
    const run = guaranteedRun(DEFAULT_WINNOW);
    const random = seededRandom(17);
    const vocabulary = answerCorpus(3).vocabulary;
    const pick = (n: number): string[] => Array.from({ length: n }, () => vocabulary[Math.floor(random() * vocabulary.length)]!);
    for (let trial = 0; trial < 500; trial++) {
      const shared = pick(run);
      const a = [...pick(Math.floor(random() * 40)), ...shared, ...pick(Math.floor(random() * 40))];
      const b = [...pick(Math.floor(random() * 40)), ...shared, ...pick(Math.floor(random() * 40))];
      const ofB = new Set(fingerprintWords(b, KEY));
      const common = fingerprintWords(a, KEY).filter((f) => ofB.has(f));
      expect(common.length, `trial ${trial}`).toBeGreaterThan(0);
    }
  });

  it('hashes under the key: another key gives other fingerprints', () => {
    const words = wordsOf(answerCorpus(3).answer(1));
    expect(kgramHashes(words, Buffer.alloc(32, 8), 4)).not.toEqual(kgramHashes(words, KEY, 4));
    expect(kgramHashes(words, KEY, 4).every((h) => Number.isSafeInteger(h) && h >= 0)).toBe(true);
  });
});

describe('scoring a leak', () => {
  const corpus = answerCorpus(11);
  const answers = Array.from({ length: 400 }, (_, i) => corpus.answer(i));
  const holders = index(answers);

  it('a restyled paste with one word in ten replaced names its answer first', () => {
    const random = seededRandom(5);
    for (let trial = 0; trial < 40; trial++) {
      const call = Math.floor(random() * answers.length);
      const leak = leakFrom(answers[call]!, 100, { substitute: 0.1, restyle: true }, corpus.vocabulary, random);
      const verdict = scoreLeak(fp(leak), holders);
      expect(verdict.kind, `trial ${trial}`).toBe('attributed');
      expect(verdict.ranked[0]!.call).toBe(call);
    }
  });

  it('case, punctuation, line breaks and markdown alone change nothing', () => {
    const answer = answers[42]!;
    const restyled = leakFrom(answer, 10_000, { substitute: 0, restyle: true }, corpus.vocabulary, () => 0.99);
    expect(new Set(fp(restyled))).toEqual(new Set(fp(answer)));
  });

  it('a text sharing only boilerplate is inconclusive, not a name', () => {
    const verdict = scoreLeak(fp(`${BOILERPLATE[2]}. ${BOILERPLATE[0]}.`), holders);
    expect(verdict.kind).toBe('inconclusive');
    expect(verdict.ranked.length).toBeGreaterThan(0);
    expect(verdict.ranked.every((m) => m.distinctive === 0)).toBe(true);
  });

  it('unrelated texts name nobody', () => {
    for (let i = 0; i < 100; i++) {
      const verdict = scoreLeak(fp(corpus.unrelated(i)), holders);
      expect(verdict.kind, `unrelated ${i}`).not.toBe('attributed');
    }
    expect(scoreLeak(fp('Completely different words about gardening tomatoes in a cold northern summer'), holders).kind).toBe('no-match');
  });
});

describe('the trace key', () => {
  it('is made 0600 on first use, kept after, and refused when others may read it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'airlock-trace-key-'));
    try {
      const path = join(dir, 'trace.key');
      const first = await loadTraceKey(path);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect(await loadTraceKey(path)).toEqual(first);
      await chmod(path, 0o644);
      await expect(loadTraceKey(path)).rejects.toThrow(/chmod 600/u);
      await writeFile(join(dir, 'short.key'), 'abc\n', { mode: 0o600 });
      await expect(loadTraceKey(join(dir, 'short.key'))).rejects.toThrow(/at least 32 bytes/u);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
