/**
 * What the DEMO upstream says: made-up answers that read like a model's, so the app can be tried
 * and tested without a model server. Deterministic (the same conversation gives the same answer,
 * seeded by a hash of it), shaped by the prompt (a greeting gets a line, "code" a fenced block,
 * "compare" a table, "steps" a list, "explain" a long sectioned answer), and always opening with
 * a line saying it is the demo. Pure: no I/O, no clock.
 */
import { createHash } from 'node:crypto';

export type DemoKind = 'greeting' | 'code' | 'table' | 'list' | 'long' | 'plain';

export const DEMO_LABEL = '_Demo model: this answer is made up by the Airlock gateway’s demo upstream, not a real model._';

const STOP_WORDS = new Set(('a an and are as at be but by can could do does for from give have how i in into is it its me my of on or our please show some tell than that the their them then there these this to us was we what when where which who why will with would you your about write make list steps explain compare table code long short give more describe versus detail detailed depth overview essay ideas tips ways write function script').split(' '));

/** A small seeded generator (mulberry32): the same seed, the same choices. */
export function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function classifyPrompt(prompt: string): DemoKind {
  const p = prompt.toLowerCase();
  const words = p.split(/\s+/).filter(Boolean);
  if (/\b(code|function|script|program|implement|snippet|regex|sql|python|typescript|javascript|rust|bash|class)\b/.test(p)) return 'code';
  if (/\b(table|compare|comparison|versus|vs\.?|difference|differences)\b/.test(p)) return 'table';
  if (/\b(list|steps|ideas|tips|ways|checklist)\b|\bhow (do|to|can|should)\b/.test(p)) return 'list';
  if (/\b(explain|essay|detail|detailed|depth|overview|describe|long)\b/.test(p) || words.length > 40) return 'long';
  if (words.length <= 3 || /^(hi|hello|hey|thanks|thank you|good (morning|afternoon|evening))\b/.test(p)) return 'greeting';
  return 'plain';
}

/** Up to three words of the prompt that say what it is about. */
export function topicsOf(prompt: string): string[] {
  const seen = new Set<string>();
  for (const raw of prompt.toLowerCase().split(/[^a-z0-9\u00c0-\u024f-]+/)) {
    const word = raw.replace(/^-+|-+$/g, '');
    if (word.length >= 4 && !STOP_WORDS.has(word) && !/^\d+$/.test(word)) seen.add(word);
    if (seen.size === 3) break;
  }
  return [...seen];
}

function language(prompt: string): { fence: string; name: string } {
  const p = prompt.toLowerCase();
  if (/typescript|\bts\b/.test(p)) return { fence: 'ts', name: 'TypeScript' };
  if (/javascript|\bjs\b|node/.test(p)) return { fence: 'js', name: 'JavaScript' };
  if (/\brust\b/.test(p)) return { fence: 'rust', name: 'Rust' };
  if (/\bbash\b|shell/.test(p)) return { fence: 'bash', name: 'Bash' };
  if (/\bsql\b/.test(p)) return { fence: 'sql', name: 'SQL' };
  return { fence: 'python', name: 'Python' };
}

const identifier = (topic: string) => topic.replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'item';

function codeBlock(fence: string, topic: string): string {
  const name = identifier(topic);
  switch (fence) {
    case 'ts':
      return `\`\`\`ts\nexport function summarize${name[0]!.toUpperCase()}${name.slice(1)}(items: string[]): Map<string, number> {\n  const counts = new Map<string, number>();\n  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);\n  return counts;\n}\n\`\`\``;
    case 'js':
      return `\`\`\`js\nfunction summarize_${name}(items) {\n  const counts = {};\n  for (const item of items) counts[item] = (counts[item] || 0) + 1;\n  return counts;\n}\n\`\`\``;
    case 'rust':
      return `\`\`\`rust\nuse std::collections::HashMap;\n\nfn summarize_${name}(items: &[&str]) -> HashMap<String, usize> {\n    let mut counts = HashMap::new();\n    for item in items {\n        *counts.entry(item.to_string()).or_insert(0) += 1;\n    }\n    counts\n}\n\`\`\``;
    case 'bash':
      return `\`\`\`bash\n#!/usr/bin/env bash\nset -euo pipefail\n# Count each distinct ${topic} line in a file.\nsort "$1" | uniq -c | sort -rn | head -n 10\n\`\`\``;
    case 'sql':
      return `\`\`\`sql\nSELECT ${name}, count(*) AS n\nFROM events\nGROUP BY ${name}\nORDER BY n DESC\nLIMIT 10;\n\`\`\``;
    default:
      return `\`\`\`python\nfrom collections import Counter\n\ndef summarize_${name}(items: list[str]) -> dict[str, int]:\n    """Count how often each ${topic} appears."""\n    return dict(Counter(items).most_common())\n\`\`\``;
  }
}

const OPENERS = ['Good question.', 'Here is a short take.', 'Let me sketch this out.', 'A few thoughts.', 'Here is how I would approach it.'];
const CLAIMS = [
  'the simplest version of {t} is usually the one worth building first',
  '{t} tends to go wrong at the edges rather than in the middle',
  'most of the cost of {t} is in keeping it correct as things change',
  'it helps to write down what {t} must never do before deciding what it should do',
  '{t} is easier to reason about when each part has one job',
  'measuring {t} before changing it saves a lot of guesswork',
  'people who depend on {t} care more about predictability than about speed',
];
const STEPS = ['Write down the goal for {t} in one sentence', 'List what already exists around {t}', 'Pick the smallest change that shows progress', 'Try it on a real case and note what surprised you', 'Ask someone else to try {t} without your help', 'Keep what worked and drop the rest', 'Document the decision and why you made it'];
const ASPECTS = ['Cost', 'Speed', 'Risk', 'Effort to learn', 'Fits small teams'];
const LEVELS = ['low', 'medium', 'high', 'varies'];

function fill(template: string, topic: string): string {
  return template.replaceAll('{t}', topic);
}

/** The demo's answer to a conversation whose last tester message is `prompt`; `seedText` is the whole conversation. */
export function demoAnswerText(prompt: string, seedText: string): string {
  const seed = createHash('sha256').update(seedText).digest().readUInt32BE(0);
  const rand = generator(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const topics = topicsOf(prompt);
  const topic = topics[0] ?? 'this';
  const second = topics[1] ?? 'the alternative';
  // Claims are drawn without repeats until all were used, so an answer does not say a thing twice.
  let unused: string[] = [];
  const sentence = () => {
    if (unused.length === 0) unused = [...CLAIMS];
    const template = unused.splice(Math.floor(rand() * unused.length), 1)[0]!;
    const claim = fill(template, pick(topics.length > 0 ? topics : ['this']));
    return `${claim[0]!.toUpperCase()}${claim.slice(1)}.`;
  };
  const paragraph = (n: number) => Array.from({ length: n }, sentence).join(' ');
  const kind = classifyPrompt(prompt);
  let body: string;
  switch (kind) {
    case 'greeting':
      body = 'Hello! I am the demo model. Ask for a list, a table, some code or a long explanation to see how answers look here.';
      break;
    case 'code': {
      const lang = language(prompt);
      body = `${pick(OPENERS)} Here is a small ${lang.name} example around **${topic}**:\n\n${codeBlock(lang.fence, topic)}\n\nHow it works:\n\n- It takes a list and counts each distinct value.\n- It returns the counts, most common first where the language makes that easy.\n- ${sentence()}`;
      break;
    }
    case 'table': {
      const rows = ASPECTS.slice(0, 3 + Math.floor(rand() * 3)).map((aspect) => `| ${aspect} | ${pick(LEVELS)} | ${pick(LEVELS)} |`).join('\n');
      body = `${pick(OPENERS)} A side-by-side view of **${topic}** and **${second}**:\n\n| Aspect | ${topic} | ${second} |\n| --- | --- | --- |\n${rows}\n\n${paragraph(2)}`;
      break;
    }
    case 'list': {
      const count = 4 + Math.floor(rand() * 4);
      const items = STEPS.slice(0, count).map((step, i) => `${i + 1}. **${fill(step, topic)}.** ${sentence()}`).join('\n');
      body = `${pick(OPENERS)} Steps for **${topic}**:\n\n${items}\n\n${paragraph(1)}`;
      break;
    }
    case 'long': {
      const points = Array.from({ length: 4 }, () => `- ${sentence()}`).join('\n');
      body = [
        `## Overview\n\n${paragraph(4)}`,
        `## Key points\n\n${points}`,
        `## An example\n\n${codeBlock(language(prompt).fence, topic)}`,
        `## Trade-offs\n\n| Choice | Gains | Costs |\n| --- | --- | --- |\n| Keep ${topic} simple | ${pick(LEVELS)} clarity | fewer features |\n| Extend ${topic} | more reach | ${pick(LEVELS)} upkeep |`,
        `## Summary\n\n${paragraph(3)}`,
      ].join('\n\n');
      break;
    }
    default:
      body = `${pick(OPENERS)} ${paragraph(3)}\n\n${paragraph(2)}`;
  }
  return `${DEMO_LABEL}\n\n${body}`;
}

/** The text as tokens: each word with the whitespace after it, newlines kept (markdown needs them). */
export function demoTokens(text: string): string[] {
  return text.match(/\S+\s*/g) ?? [];
}
