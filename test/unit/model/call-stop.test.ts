/**
 * Issue 19: a model call stops its upstream request through CallStop instead of an
 * AbortController; it keeps the part of the AbortSignal contract the transports use, and the
 * undici transport stops a request through it as through an AbortSignal.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { abortSignalOf, CallStop } from '../../../gateway/model/call-stop.js';

describe('CallStop', () => {
  it('calls each abort listener once, in order, with aborted and reason set; removed ones not at all', () => {
    const stop = new CallStop();
    const seen: string[] = [];
    const removed = () => seen.push('removed');
    stop.addEventListener('abort', () => seen.push(`first ${stop.aborted} ${String(stop.reason)}`), { once: true });
    stop.addEventListener('abort', removed);
    stop.addEventListener('abort', () => seen.push('second'));
    stop.removeEventListener('abort', removed);
    expect(stop.aborted).toBe(false);
    stop.abort('why');
    stop.abort('again');
    expect(seen).toEqual(['first true why', 'second']);
    expect(stop.reason).toBe('why');
    stop.addEventListener('abort', () => seen.push('late'));
    stop.abort('third');
    expect(seen).toEqual(['first true why', 'second']);
  });

  it('gives an Error as its reason when none is named', () => {
    const stop = new CallStop();
    stop.abort();
    expect(stop.reason).toBeInstanceOf(Error);
  });

  it('drives an AbortSignal for APIs that take only one (a pending sleep is cut)', async () => {
    const stop = new CallStop();
    const signal = abortSignalOf(stop);
    const pending = sleep(60_000, undefined, { signal });
    stop.abort(new Error('cut'));
    await expect(pending).rejects.toThrow();
    expect(signal.reason).toEqual(new Error('cut'));
    const already = new CallStop();
    already.abort('gone');
    expect(abortSignalOf(already).aborted).toBe(true);
    const native = new AbortController().signal;
    expect(abortSignalOf(native)).toBe(native);
  });
});
