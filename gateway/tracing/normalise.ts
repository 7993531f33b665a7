/**
 * The words of a text as leak tracing compares them: what a copier changes without meaning to
 * (case, punctuation, line breaks, markdown markup, compatibility characters) is taken out, so a
 * retyped or reflowed paste yields the same tokens as the answer it came from.
 */

// Markdown that carries no words of its own: list numbers, link and image targets, HTML tags.
const ORDERED_LIST_MARKER = /^[ \t]*\d{1,9}[.)][ \t]+/gmu;
const LINK_TARGET = /\]\([^)\s]*(?:\s+"[^"]*")?\)/gu;
const HTML_TAG = /<\/?[A-Za-z][^<>]{0,200}>/gu;
// An apostrophe inside a word ("don't", "model’s") is dropped, not a word break: "dont" either way.
const APOSTROPHE = /['\u2019\u02bc]/gu;
const WORD = /[\p{L}\p{N}]+/gu;

/** NFKC, case-folded, markdown and punctuation out: the words of `text` in order. */
export function wordsOf(text: string): string[] {
  const folded = text
    .normalize('NFKC')
    .toLowerCase()
    // toLowerCase leaves a few full case folds undone; NFKC again settles what lowercasing composed.
    .replace(/ß/gu, 'ss')
    .replace(/ς/gu, 'σ')
    .normalize('NFKC');
  const unmarked = folded.replace(ORDERED_LIST_MARKER, ' ').replace(LINK_TARGET, '] ').replace(HTML_TAG, ' ').replace(APOSTROPHE, '');
  return unmarked.match(WORD) ?? [];
}
