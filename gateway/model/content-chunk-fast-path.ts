/**
 * The text of a streamed chunk without parsing the whole chunk (issue 19). Leak tracing reads the
 * answer's text from every chunk, and a JSON.parse of each (about 2.5 µs, 20 a short answer) was
 * most of the relay's CPU when text is collected. OpenAI-compatible servers (OpenAI, vLLM, the
 * demo) send a text chunk in one fixed shape; a chunk that matches it exactly, character for
 * character, is valid JSON whose `choices[0].delta.content` is the one string literal in it, so
 * only that literal is parsed. Anything else (whitespace, other fields or order, a second choice,
 * usage) returns undefined and the caller parses the chunk as before; a differential test
 * (test/unit/model/content-chunk-fast-path.test.ts) holds the two to the same answers.
 */

/** A JSON string without escapes or control characters (ids, model names). */
const PLAIN = '"[^"\\\\\\u0000-\\u001f]*"';
/** A JSON string literal, escapes included, exactly as JSON.parse accepts it. */
const LITERAL = '"(?:[^"\\\\\\u0000-\\u001f]|\\\\["\\\\/bfnrt]|\\\\u[0-9a-fA-F]{4})*"';
/** A JSON integer as JSON.parse accepts it (no leading zeros). */
const INTEGER = '(?:0|[1-9][0-9]*)';

const TEXT_CHUNK = new RegExp(
  `^\\{"id":${PLAIN},"object":"chat\\.completion\\.chunk","created":${INTEGER},"model":${PLAIN},` +
    `(?:"system_fingerprint":(?:null|${PLAIN}),)?` +
    `"choices":\\[\\{"index":0,"delta":\\{(?:"role":"assistant",)?"content":(${LITERAL})\\},"logprobs":null,"finish_reason":null\\}\\]` +
    `(?:,"usage":null)?\\}$`,
);

/**
 * `choices[0].delta.content` of a chunk in the common shape, which has no usage; undefined when
 * the chunk is not in that shape (parse it whole then).
 */
export function textOfCommonChunk(data: string): string | undefined {
  const match = TEXT_CHUNK.exec(data);
  if (!match) return undefined;
  try {
    return JSON.parse(match[1]!) as string;
  } catch {
    // Not reached (the pattern admits only literals JSON.parse reads); the whole parse decides then.
    return undefined;
  }
}
