/**
 * The relay's fast path for a text chunk (gateway/model/content-chunk-fast-path.ts) against what
 * it stands in for: JSON.parse of the whole chunk and its `choices[0].delta.content`. Whenever the
 * fast path answers, the chunk must be valid JSON, and its answer the parsed text (a chunk with a
 * usage is never answered: the relay reads that one whole); it must answer for the common shapes (else the test would hold vacuously), and never for
 * a chunk JSON.parse refuses.
 */
import { describe, expect, it } from 'vitest';
import { textOfCommonChunk } from '../../../gateway/model/content-chunk-fast-path.js';
import { createStreamRelay } from '../../../gateway/model/stream-relay.js';

/** What the relay read before the fast path: the text, 'none' (valid JSON without one), or 'invalid'. */
function parsedText(data: string): string {
  let record: unknown;
  try {
    record = JSON.parse(data);
  } catch {
    return 'invalid';
  }
  const chunk = record as { choices?: Array<{ delta?: { content?: unknown } }> };
  const content = Array.isArray(chunk.choices) ? chunk.choices[0]?.delta?.content : undefined;
  return typeof content === 'string' ? content : 'none';
}

const CONTENTS = [
  'w0 ',
  'Hello',
  ' world',
  'a "quoted" word',
  'back\\slash',
  'line\nbreak\ttab\r',
  'nul \u0000 and \u001f',
  'é ü ß 日本語',
  'emoji 🙂 and a lone surrogate \ud800',
  '</script>',
  '\u2028\u2029',
  '{"choices":[{"delta":{"content":"inner"}}]}',
  '"content":"x"',
  '\\u0041 not an escape',
  ' '.repeat(300),
];

const head = { id: 'chatcmpl-123', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'test-chat' };

/** The common shapes the fast path reads: every optional part with and without. */
function commonChunks(content: string): string[] {
  const choice = (delta: object) => [{ index: 0, delta, logprobs: null, finish_reason: null }];
  return [
    JSON.stringify({ ...head, choices: choice({ content }) }),
    JSON.stringify({ ...head, choices: choice({ role: 'assistant', content }) }),
    JSON.stringify({ ...head, system_fingerprint: 'fp_1', choices: choice({ content }) }),
    JSON.stringify({ ...head, system_fingerprint: null, choices: choice({ content }) }),
    JSON.stringify({ ...head, choices: choice({ content }), usage: null }),
    JSON.stringify({ ...head, created: 0, choices: choice({ content }) }),
  ];
}

/** Near misses: other shapes (parsed whole) and chunks JSON.parse refuses (the fast path must refuse them too). */
function otherChunks(content: string): string[] {
  const literal = JSON.stringify(content);
  const base = JSON.stringify({ ...head, choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }] });
  return [
    JSON.stringify({ ...head, choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }] }, null, 1),
    JSON.stringify({ ...head, choices: [{ index: 1, delta: { content }, logprobs: null, finish_reason: null }] }),
    JSON.stringify({ ...head, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: null }, { index: 1, delta: { content }, logprobs: null, finish_reason: null }] }),
    JSON.stringify({ ...head, choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: 'stop' }] }),
    JSON.stringify({ ...head, choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }),
    JSON.stringify({ ...head, choices: [{ index: 0, delta: { content, content2: 'x' }, logprobs: null, finish_reason: null }] }),
    JSON.stringify({ ...head, choices: [{ delta: { content }, index: 0, logprobs: null, finish_reason: null }] }),
    base.replace('"created":1700000000', '"created":01700000000'),
    base.replace(literal, `"${content.replace(/"/g, '\\"')}"`),
    base.replace(literal, `"${content}"`),
    base.replace(literal, `${literal.slice(0, -1)}\\x"`),
    base.replace(literal, `${literal.slice(0, -1)}\\u12"`),
    base.replace(literal, `${literal.slice(0, -1)}\u0001"`),
    `${base} `,
    `${base}}`,
    base.slice(0, -1),
    base.replace('"model":"test-chat"', '"model":"te\\"st"'),
    base.replace('"model":"test-chat"', '"model":"te\u0002st"'),
  ];
}

/** Random content: characters that matter to JSON strings, mixed with plain ones. */
function randomContents(n: number): string[] {
  const alphabet = ['a', ' ', '"', '\\', '/', '\n', '\u0000', '\u001f', 'é', '🙂', '\ud800', 'u', '0', '{', '}', ':', ','];
  let seed = 19;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: n }, () => Array.from({ length: 1 + Math.floor(next() * 12) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(''));
}

describe('the relay\'s fast path for a text chunk agrees with JSON.parse', () => {
  const contents = [...CONTENTS, ...randomContents(300)];

  it('reads every common shape, and reads it as JSON.parse does', () => {
    let read = 0;
    for (const content of contents) {
      for (const data of commonChunks(content)) {
        const fast = textOfCommonChunk(data);
        expect(fast, data).toBe(content);
        expect(parsedText(data)).toBe(content);
        read++;
      }
    }
    expect(read).toBe(contents.length * 6);
  });

  it('answers for no other shape but with JSON.parse\'s text, and never for a chunk JSON.parse refuses', () => {
    let refused = 0;
    for (const content of contents) {
      for (const data of otherChunks(content)) {
        const fast = textOfCommonChunk(data);
        const reference = parsedText(data);
        // A chunk with a usage is read whole: the relay records the usage from it.
        if (/"usage":\{/.test(data)) expect(fast, data).toBeUndefined();
        if (reference === 'invalid') {
          refused++;
          expect(fast, data).toBeUndefined();
        } else if (fast !== undefined) {
          expect(fast, data).toBe(reference);
        }
      }
    }
    // The near misses do include chunks JSON.parse refuses (the check above is not vacuous).
    expect(refused).toBeGreaterThan(contents.length * 5);
  });

  it('collects the same answer text through the relay as parsing every chunk would', () => {
    // One SSE data line each: chunks holding a raw line break cannot travel as one event.
    const events = contents
      .slice(0, 60)
      .flatMap((content, i) => (i % 2 === 0 ? commonChunks(content).slice(0, 1) : otherChunks(content).slice(0, 7)))
      .filter((data) => !/[\r\n]/.test(data));
    const stream = Buffer.from(`${events.map((data) => `data: ${data}\n\n`).join('')}data: [DONE]\n\n`);
    const relay = createStreamRelay({ collectText: true });
    const relayed = relay.feed(stream) + relay.end();
    expect(relayed).toBe(stream.toString());
    const expected = events.map(parsedText).filter((t, i) => t !== 'invalid' && t !== 'none' && /"content"\s*:\s*"[^"]/.test(events[i]!)).join('');
    expect(relay.state.text).toBe(expected);
  });
});
