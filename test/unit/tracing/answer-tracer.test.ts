/**
 * The answer tracer on a real SQLite store with a fake clock: answers are stored as fingerprints
 * after trace() returns, and are gone once `traceRetentionDays` have passed. Group commit: answers
 * are handed to the worker when enough are gathered or the first has waited long enough, each
 * without anyone calling idle().
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../../gateway/store/store.js';
import { createAnswerTracer } from '../../../gateway/tracing/answer-tracer.js';
import { fingerprintWords } from '../../../gateway/tracing/fingerprint.js';
import { wordsOf } from '../../../gateway/tracing/normalise.js';
import { answerCorpus } from '../../helpers/answer-corpus.js';
import { tempSqliteStore } from '../../helpers/temp-store.js';

const KEY = Buffer.alloc(32, 3);
const DAY = 24 * 60 * 60 * 1000;

describe('answer tracer', () => {
  it('stores answers as fingerprints off the caller, and deletes them after the retention period', async () => {
    let now = Date.parse('2030-01-01T00:00:00.000Z');
    const { store, tracePath, dispose } = await tempSqliteStore({ now: () => new Date(now) });
    const warnings: string[] = [];
    const tracer = createAnswerTracer({ sink: { kind: 'sqlite', path: tracePath }, key: KEY, retentionDays: () => 30, nowMs: () => now, warn: (m) => warnings.push(m) });
    try {
      const corpus = answerCorpus(2);
      const fingerprints = fingerprintWords(wordsOf(corpus.answer(0)), KEY);
      tracer.trace({ callId: 'old', tester: 'ada@example.com', deviceId: 'dev_a', model: 'demo' }, corpus.answer(0));
      // trace() only hands the answer to the worker thread: nothing is stored when it returns.
      expect(await store.traceHolders(fingerprints)).toEqual([]);
      await tracer.idle();
      expect(new Set((await store.traceHolders(fingerprints)).map((h) => h.callId))).toEqual(new Set(['old']));

      now += 20 * DAY;
      tracer.trace({ callId: 'new', tester: 'bob@example.com', deviceId: 'dev_b', model: 'demo' }, corpus.answer(0));
      await tracer.idle();
      now += 11 * DAY;
      expect(await tracer.expire()).toBe(1);
      const left = await store.traceHolders(fingerprints);
      expect(new Set(left.map((h) => h.callId))).toEqual(new Set(['new']));
      expect(left).toHaveLength(fingerprints.length);
      expect(warnings).toEqual([]);
    } finally {
      await tracer.close();
      await dispose();
    }
  });

  /** Waits until the store holds `callIds` (the tracer's own hand-off, not idle()); false after 30 s. */
  async function committed(store: Store, fingerprints: number[], callIds: string[]): Promise<boolean> {
    for (let i = 0; i < 300; i++) {
      const held = new Set((await store.traceHolders(fingerprints)).map((h) => h.callId));
      if (callIds.every((id) => held.has(id))) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  }

  it.each([
    ['the first has waited waitMs (fewer than the batch gathered)', { answers: 1_000, waitMs: 30 }, 2],
    ['a batch is gathered (the first would wait an hour)', { answers: 3, waitMs: 60 * 60 * 1000 }, 3],
  ])('hands gathered answers over and commits them when %s', async (_, batch, answers) => {
    const { store, tracePath, dispose } = await tempSqliteStore();
    const warnings: string[] = [];
    const tracer = createAnswerTracer({ sink: { kind: 'sqlite', path: tracePath }, key: KEY, retentionDays: () => 30, nowMs: () => Date.now(), warn: (m) => warnings.push(m), batch });
    try {
      const text = answerCorpus(4).answer(1);
      const callIds = Array.from({ length: answers }, (_, i) => `call-${i}`);
      for (const callId of callIds) tracer.trace({ callId, tester: 'ada@example.com', deviceId: 'dev_a', model: 'demo' }, text);
      expect(await committed(store, fingerprintWords(wordsOf(text), KEY), callIds)).toBe(true);
      expect(warnings).toEqual([]);
    } finally {
      await tracer.close();
      await dispose();
    }
  });
});
