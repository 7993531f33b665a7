/**
 * A trace against a store where boilerplate is held by more answers than MAX_LISTED_HOLDERS: those
 * fingerprints are counted, not listed (what keeps a trace under a second at 100,000 answers), and
 * the verdicts and the named call's coverage stay what listing every holder gives.
 */
import { describe, expect, it } from 'vitest';
import { fingerprintWords, kgramHashes } from '../../../gateway/tracing/fingerprint.js';
import { wordsOf } from '../../../gateway/tracing/normalise.js';
import { scoreLeak } from '../../../gateway/tracing/score.js';
import { MAX_LISTED_HOLDERS, traceLeak, type TraceSource } from '../../../gateway/tracing/trace-leak.js';
import { answerCorpus, BOILERPLATE, leakFrom, seededRandom } from '../../helpers/answer-corpus.js';
import { tempSqliteStore } from '../../helpers/temp-store.js';

const KEY = Buffer.alloc(32, 9);
const ANSWERS = MAX_LISTED_HOLDERS + 50;

describe('trace against heavy boilerplate', () => {
  it('counts fingerprints held by more than MAX_LISTED_HOLDERS answers instead of listing them, with the same verdicts', async () => {
    const { store, dispose } = await tempSqliteStore();
    try {
      const corpus = answerCorpus(5);
      // Every answer opens with the same boilerplate, as a model's stock opening would.
      const texts = Array.from({ length: ANSWERS }, (_, i) => `${BOILERPLATE[0]}. ${corpus.answer(i)}`);
      const fingerprints = texts.map((t) => fingerprintWords(wordsOf(t), KEY));
      await store.addTraces(fingerprints.map((f, i) => ({ callId: `call${i}`, tester: 'ada@example.com', deviceId: 'dev_a', model: 'demo', createdAt: '2030-01-01T00:00:00.000Z', fingerprints: f })));
      let listedRows = 0;
      const source: TraceSource = {
        traceHolderCounts: (f) => store.traceHolderCounts(f),
        async traceHolders(f) {
          const rows = await store.traceHolders(f);
          listedRows += rows.length;
          return rows;
        },
      };
      const everyHolder = new Map<number, string[]>();
      fingerprints.forEach((fps, i) => fps.forEach((f) => everyHolder.set(f, [...(everyHolder.get(f) ?? []), `call${i}`])));

      const boilerplate = await traceLeak({ store: source, key: KEY }, BOILERPLATE[0]!);
      expect(boilerplate.verdict).toBe('inconclusive');
      expect(listedRows).toBe(0);
      expect(scoreLeak(fingerprintWords(wordsOf(BOILERPLATE[0]!), KEY), (f) => everyHolder.get(f) ?? []).kind).toBe('inconclusive');

      const leak = `${BOILERPLATE[0]}. ${leakFrom(corpus.answer(7), 100, { substitute: 0.1 }, corpus.vocabulary, seededRandom(3))}`;
      listedRows = 0;
      const report = await traceLeak({ store: source, key: KEY }, leak);
      expect(report.verdict).toBe('attributed');
      expect(report.calls[0]!.callId).toBe('call7');
      expect(listedRows).toBeLessThanOrEqual(MAX_LISTED_HOLDERS * report.fingerprints);
      const full = scoreLeak(fingerprintWords(wordsOf(leak), KEY), (f) => everyHolder.get(f) ?? []);
      expect(full.kind).toBe('attributed');
      expect(Math.abs(report.calls[0]!.coverage - full.ranked[0]!.coverage)).toBeLessThan(0.01);
      expect(report.calls[0]!.distinctive).toBe(full.ranked[0]!.distinctive);
    } finally {
      await dispose();
    }
  });

  it('traces answers stored under fingerprint scheme 1 (HMAC, before scheme 2) and scheme 2 alike, each to its own call', async () => {
    const { store, dispose } = await tempSqliteStore();
    try {
      const corpus = answerCorpus(8);
      // Calls 0-59 as a gateway before scheme 2 stored them, 60-119 as this one does.
      const stored = Array.from({ length: 120 }, (_, i) => ({
        callId: `call${i}`, tester: i < 60 ? 'ada@example.com' : 'bob@example.com', deviceId: 'dev_a', model: 'demo', createdAt: '2030-01-01T00:00:00.000Z',
        fingerprints: fingerprintWords(wordsOf(corpus.answer(i)), KEY, undefined, i < 60 ? 1 : 2),
      }));
      await store.addTraces(stored);
      // The schemes' values never meet.
      const words = wordsOf(corpus.answer(0));
      expect(kgramHashes(words, KEY, 4, 1).every((h) => h < 2 ** 48)).toBe(true);
      expect(kgramHashes(words, KEY, 4, 2).every((h) => h >= 2 ** 48 && h < 2 ** 49)).toBe(true);
      for (const call of [3, 41, 77, 110]) {
        const leak = leakFrom(corpus.answer(call), 100, { substitute: 0.1, restyle: true }, corpus.vocabulary, seededRandom(call));
        const report = await traceLeak({ store, key: KEY }, leak);
        expect(report.verdict, `call ${call}`).toBe('attributed');
        expect(report.calls[0]!.callId).toBe(`call${call}`);
      }
      expect((await traceLeak({ store, key: KEY }, corpus.unrelated(5))).verdict).not.toBe('attributed');
    } finally {
      await dispose();
    }
  });
});
