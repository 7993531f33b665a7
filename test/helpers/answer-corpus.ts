/**
 * A seeded generator of texts shaped like model answers, for leak-tracing tests and the bench
 * (bench/parts/70-tracing.ts): a shared Zipf-distributed vocabulary, topic words per answer,
 * boilerplate openings and closings many answers share, markdown lists and emphasis; leaks cut
 * from answers with the edits a copier makes (case, reflow, markdown stripped, words substituted,
 * sentences dropped); and unrelated texts from another vocabulary region.
 */
import { generator } from '../../gateway/model/demo-answers.js';

/** mulberry32 (the demo upstream's generator): the same seed gives the same corpus on every machine. */
export const seededRandom = generator;

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'te', 'vo', 'pi', 'da', 'ge', 'ho', 'ju', 'ri', 'zo', 'fe', 'bu', 'cy', 'wa', 'xe', 'tor', 'lin', 'mar', 'sen', 'dol', 'ver', 'gan', 'pul'];
const FUNCTION_WORDS = ['the', 'of', 'and', 'to', 'a', 'in', 'is', 'that', 'for', 'it', 'as', 'with', 'on', 'be', 'this', 'by', 'are', 'or', 'can', 'from', 'you', 'an', 'which', 'when', 'more'];

export const BOILERPLATE = [
  'Here is a summary of the main points you asked about',
  'Great question! Let me walk you through it step by step',
  'I hope this helps and let me know if you would like more detail on any part',
  'In summary the key idea is to keep things simple and test each step',
  'Note that this is a general overview and your situation may differ',
];

export interface Corpus {
  vocabulary: string[];
  answer(index: number): string;
  unrelated(index: number): string;
}

function word(random: () => number, syllables: number): string {
  let out = '';
  for (let i = 0; i < syllables; i++) out += SYLLABLES[Math.floor(random() * SYLLABLES.length)]!;
  return out;
}

/** Distinct made-up words, 2-4 syllables. */
function vocabularyOf(random: () => number, size: number, taken: Set<string>): string[] {
  const words: string[] = [];
  while (words.length < size) {
    const w = word(random, 2 + Math.floor(random() * 3));
    if (!taken.has(w)) {
      taken.add(w);
      words.push(w);
    }
  }
  return words;
}

/** A Zipf(1) pick from `words`: the first words are far more common, as in real text. */
function zipf(random: () => number, words: readonly string[]): string {
  const n = words.length;
  const rank = Math.floor(Math.exp(random() * Math.log(n + 1))) - 1;
  return words[Math.min(n - 1, Math.max(0, rank))]!;
}

function sentence(random: () => number, common: readonly string[], topic: readonly string[]): string {
  const length = 8 + Math.floor(random() * 14);
  const words: string[] = [];
  for (let i = 0; i < length; i++) {
    const r = random();
    words.push(r < 0.35 ? FUNCTION_WORDS[Math.floor(random() * FUNCTION_WORDS.length)]! : r < 0.55 ? zipf(random, topic) : zipf(random, common));
  }
  words[0] = words[0]!.charAt(0).toUpperCase() + words[0]!.slice(1);
  if (random() < 0.15) words[1] = `**${words[1]}**`;
  if (random() < 0.2) words[words.length - 2] = `${words[words.length - 2]},`;
  return `${words.join(' ')}${random() < 0.1 ? '?' : '.'}`;
}

function body(random: () => number, common: readonly string[], topic: readonly string[], words: number, boilerplate: boolean): string {
  const parts: string[] = [];
  let count = 0;
  if (boilerplate && random() < 0.5) parts.push(`${BOILERPLATE[Math.floor(random() * 2)]!}.`);
  while (count < words) {
    if (random() < 0.15) {
      const items = 2 + Math.floor(random() * 3);
      for (let i = 0; i < items; i++) {
        const s = sentence(random, common, topic);
        parts.push(`\n${random() < 0.5 ? `${i + 1}.` : '-'} ${s}`);
        count += s.split(' ').length;
      }
      parts.push('\n');
    } else {
      const s = sentence(random, common, topic);
      parts.push(s);
      count += s.split(' ').length;
    }
  }
  if (boilerplate && random() < 0.5) parts.push(`${BOILERPLATE[2 + Math.floor(random() * 3)]!}.`);
  return parts.join(' ');
}

/** The corpus of `seed`: answer(i) and unrelated(i) are the same text for the same (seed, i). */
export function answerCorpus(seed: number): Corpus {
  const random = seededRandom(seed);
  const taken = new Set<string>(FUNCTION_WORDS);
  const common = vocabularyOf(random, 3000, taken);
  const topics = Array.from({ length: 200 }, () => vocabularyOf(random, 60, taken));
  const foreign = vocabularyOf(random, 3000, taken);
  return {
    vocabulary: common,
    answer(index) {
      const r = seededRandom(seed * 1_000_003 + index);
      return body(r, common, topics[Math.floor(r() * topics.length)]!, 80 + Math.floor(r() * 400), true);
    },
    unrelated(index) {
      const r = seededRandom(seed * 7_919 + 1_000_000_007 + index);
      // Shares the function words and the boilerplate a copier might keep, not the answers' vocabulary.
      return body(r, foreign, foreign.slice(0, 300), 30 + Math.floor(r() * 270), true);
    },
  };
}

export interface LeakEdits {
  /** Share of words replaced with other words, 0..1. */
  substitute: number;
  /** Share of sentences dropped, 0..1. */
  dropSentences?: number;
  /** Lowercased, reflowed onto short lines, markdown stripped. */
  restyle?: boolean;
}

/** An excerpt of `words` words from `answer`, edited the way a copier edits a paste. */
export function leakFrom(answer: string, words: number, edits: LeakEdits, vocabulary: readonly string[], random: () => number): string {
  let sentences = answer.split(/(?<=[.?!])\s+/u);
  if (edits.dropSentences) sentences = sentences.filter((_, i) => i === 0 || random() >= edits.dropSentences!);
  let tokens = sentences.join(' ').split(/\s+/u).filter(Boolean);
  const start = Math.floor(random() * Math.max(1, tokens.length - words));
  tokens = tokens.slice(start, start + words);
  tokens = tokens.map((t) => (random() < edits.substitute ? vocabulary[Math.floor(random() * vocabulary.length)]! : t));
  if (!edits.restyle) return tokens.join(' ');
  // Markdown stripped as a copy from a rendered page strips it: list markers and emphasis gone.
  const plain = tokens.filter((t) => !/^(?:\d+[.)]|-)$/u.test(t)).map((t) => t.replace(/[*_`#]/gu, '').toLowerCase()).filter(Boolean);
  const lines: string[] = [];
  for (let i = 0; i < plain.length; i += 7) lines.push(plain.slice(i, i + 7).join(' '));
  return lines.join('\n');
}
