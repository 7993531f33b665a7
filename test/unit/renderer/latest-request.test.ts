/**
 * The chat screen's "last click wins" (renderer/src/latest-request.ts): with two conversations
 * clicked quickly, a slow answer for the first must not replace the second on the screen.
 */
import { describe, expect, it } from 'vitest';
import { latestRequest } from '../../../renderer/src/latest-request.js';

/** A request whose answer the test releases by hand, in any order. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('latest request wins', () => {
  it('drops the answer of an earlier click that arrives after a later one', async () => {
    const requests = latestRequest();
    let shown = 'none';
    const show = async (answer: Promise<string>) => {
      const ticket = requests.begin();
      const value = await answer;
      if (requests.isCurrent(ticket)) shown = value;
    };
    const a = deferred<string>();
    const b = deferred<string>();
    const clicks = [show(a.promise), show(b.promise)];
    b.resolve('chat B');
    await clicks[1];
    a.resolve('chat A'); // the slow answer for the first click, last to arrive
    await clicks[0];
    expect(shown).toBe('chat B');
  });

  it('keeps the answer of a single request', () => {
    const requests = latestRequest();
    const ticket = requests.begin();
    expect(requests.isCurrent(ticket)).toBe(true);
    expect(requests.isCurrent(requests.begin() - 1)).toBe(false);
  });
});
