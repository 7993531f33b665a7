/**
 * Leak tracing through real gateways: a data directory holding the fixed test trace key, answers
 * streamed from the demo upstream, and a copier's paste of one.
 */
import { chmod, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initDataDir } from '../../gateway/init/init.js';
import { openStream } from '../integration/model/streaming-device.js';
import type { TestDevice } from './pinned-client.js';

/** A fixed trace key: with the demo's deterministic answers, every fingerprint is the same on every run. */
export const FIXED_TRACE_KEY = fileURLToPath(new URL('../fixtures/tracing/trace.key', import.meta.url));

/** A data directory made by `init`, its trace key replaced by `keyFile` (0600, as the gateway demands). */
export async function dataDirWithTraceKey(dataDir: string, keyFile = FIXED_TRACE_KEY): Promise<string> {
  await initDataDir(dataDir);
  await copyFile(keyFile, join(dataDir, 'trace.key'));
  await chmod(join(dataDir, 'trace.key'), 0o600);
  return dataDir;
}

export interface Streamed {
  text: string;
  device: TestDevice;
  /** The call id the store holds this answer's fingerprints under (found by the test). */
  callId?: string;
}

/** Streams one demo answer to `device` and returns its text as the device saw it. */
export async function streamAnswer(device: TestDevice, prompt: string): Promise<Streamed> {
  const events = await (await openStream(device, 'POST', '/v1/chat/completions', { model: 'airlock-demo', stream: true, messages: [{ role: 'user', content: prompt }] })).rest();
  const text = events
    .filter((e) => e.data !== '[DONE]')
    .map((e) => (JSON.parse(e.data) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '')
    .join('');
  return { text, device };
}

/**
 * A copier's paste of 100 words of `answer`: case flipped, punctuation changed, reflowed onto
 * short lines, and one word in ten replaced.
 */
export function pastedBack(answer: string): string {
  const words = answer.replace(/[*_`#>|-]/gu, ' ').split(/\s+/u).filter(Boolean).slice(25, 125);
  const edited = words.map((w, i) => (i % 10 === 5 ? 'zebra' : i % 3 === 0 ? w.toUpperCase() : w.toLowerCase().replace(/[.,:;]$/u, i % 2 ? '!' : ';')));
  const lines: string[] = [];
  for (let i = 0; i < edited.length; i += 6) lines.push(edited.slice(i, i + 6).join(' '));
  return lines.join('\n');
}
