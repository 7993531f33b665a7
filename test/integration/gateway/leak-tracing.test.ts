/**
 * Issue 17 through a real gateway (demo upstream): each answer streamed to a tester is
 * fingerprinted after its call under DATA/trace.key, and the store keeps the fingerprints and who
 * the answer went to, never the answer's words.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_LABEL } from '../../../gateway/model/demo-answers.js';
import { fingerprintWords } from '../../../gateway/tracing/fingerprint.js';
import type { TraceReport } from '../../../gateway/tracing/trace-leak.js';
import { wordsOf } from '../../../gateway/tracing/normalise.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import type { TestDevice } from '../../helpers/pinned-client.js';
import { openStream } from '../model/streaming-device.js';

interface Streamed {
  text: string;
  device: TestDevice;
  /** The call id the store holds this answer's fingerprints under (found by the first test). */
  callId?: string;
}

/**
 * A copier's paste of 100 words of `answer`: case flipped, punctuation changed, reflowed onto
 * short lines, and one word in ten replaced.
 */
function pastedBack(answer: string): string {
  const words = answer.replace(/[*_`#>|-]/gu, ' ').split(/\s+/u).filter(Boolean).slice(25, 125);
  const edited = words.map((w, i) => (i % 10 === 5 ? 'zebra' : i % 3 === 0 ? w.toUpperCase() : w.toLowerCase().replace(/[.,:;]$/u, i % 2 ? '!' : ';')));
  const lines: string[] = [];
  for (let i = 0; i < edited.length; i += 6) lines.push(edited.slice(i, i + 6).join(' '));
  return lines.join('\n');
}

async function streamAnswer(device: TestDevice, prompt: string): Promise<Streamed> {
  const events = await (await openStream(device, 'POST', '/v1/chat/completions', { model: 'airlock-demo', stream: true, messages: [{ role: 'user', content: prompt }] })).rest();
  const text = events
    .filter((e) => e.data !== '[DONE]')
    .map((e) => (JSON.parse(e.data) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '')
    .join('');
  return { text, device };
}

function storedRows(dataDir: string): { call_id: string; tester: string; device_id: string; hash: number }[] {
  const db = new Database(join(dataDir, 'airlock.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT c.call_id, c.tester, c.device_id, f.hash FROM trace_fingerprints f JOIN trace_calls c USING (call_id)').all() as never;
  } finally {
    db.close();
  }
}

/** Every byte of the store's files (database, WAL), as lowercase text. */
async function storeText(dataDir: string): Promise<string> {
  const files = (await readdir(dataDir)).filter((f) => f.startsWith('airlock.db'));
  return (await Promise.all(files.map((f) => readFile(join(dataDir, f))))).map((b) => b.toString('latin1').toLowerCase()).join('\n');
}

async function until<T>(probe: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('leak tracing through the gateway', () => {
  let gw: TestGateway;
  const answers: Streamed[] = [];
  /** The store files' text before any answer: words the gateway itself writes (model ids, audit types). */
  let before = '';
  beforeAll(async () => {
    gw = await startGateway();
    const ada = await gw.enrolledDevice('ada@example.com');
    const bob = await gw.enrolledDevice('bob@example.com');
    await streamAnswer(ada, 'hello');
    before = await storeText(gw.dataDir);
    const topics = ['glaciers', 'compilers', 'beekeeping', 'tidal power', 'bread baking', 'railway signalling'];
    for (const [i, topic] of topics.entries()) answers.push(await streamAnswer(i % 2 === 0 ? ada : bob, `Explain ${topic} in depth`));
  });
  afterAll(() => gw?.stop());

  it('fingerprints each streamed answer under the trace key, with its tester and device', async () => {
    const key = Buffer.from((await readFile(join(gw.dataDir, 'trace.key'), 'utf8')).trim(), 'base64url');
    const rows = await until(() => {
      const r = storedRows(gw.dataDir);
      return new Set(r.map((row) => row.call_id)).size === answers.length + 1 ? r : undefined;
    });
    for (const answer of answers) {
      const expected = fingerprintWords(wordsOf(answer.text), key).sort((a, b) => a - b);
      const mine = rows.filter((r) => r.device_id === answer.device.deviceId);
      const call = [...new Set(mine.map((r) => r.call_id))].find((id) => {
        const got = mine.filter((r) => r.call_id === id).map((r) => r.hash).sort((a, b) => a - b);
        return JSON.stringify(got) === JSON.stringify(expected);
      });
      expect(call, answer.text.slice(0, 80)).toBeDefined();
      answer.callId = call!;
      expect(mine.find((r) => r.call_id === call)!.tester).toBe(answer.device.tester);
    }
  });

  it('keeps none of the answers\' words in the store files', async () => {
    const distinctive = new Set(answers.flatMap((a) => wordsOf(a.text)).filter((w) => w.length >= 6));
    expect(distinctive.size).toBeGreaterThan(20);
    for (const word of distinctive) if (before.includes(word)) distinctive.delete(word);
    expect(distinctive.size).toBeGreaterThan(20);
    const bytes = await storeText(gw.dataDir);
    const found = [...distinctive].filter((w) => bytes.includes(w));
    expect(found).toEqual([]);
  });

  async function trace(name: string, text: string): Promise<TraceReport> {
    const file = join(gw.dataDir, '..', `${name}.txt`);
    await writeFile(file, text);
    const result = await gw.cli(['trace', file, '--json']);
    expect(result.code, result.stderr).toBe(0);
    return result.json<TraceReport>();
  }

  it('traces a pasted-back answer (case, punctuation, line breaks changed, one word in ten replaced) to its tester, device and call', async () => {
    for (const answer of [answers[2]!, answers[3]!]) {
      const leak = pastedBack(answer.text);
      expect(leak.split(/\s+/u).length).toBe(100);
      const report = await trace(`leak-${answer.callId}`, leak);
      expect(report.verdict).toBe('attributed');
      expect(report.calls[0]).toMatchObject({ callId: answer.callId, tester: answer.device.tester, deviceId: answer.device.deviceId, model: 'airlock-demo' });
      // Every tenth word replaced breaks about 40% of the word 4-grams; which of them winnowing keeps
      // depends on the gateway's random trace key, so coverage varies by run (0.22 to 0.36 seen).
      expect(report.calls[0]!.coverage).toBeGreaterThan(0.15);
      // The demo's answers share phrasing, so a runner-up may hold up to about half the leader's
      // coverage (0.155 against 0.334 was seen): the leader must still stand clearly apart.
      expect(report.calls[1]?.coverage ?? 0).toBeLessThan(report.calls[0]!.coverage * 0.6);
    }
    const human = await gw.cli(['trace', join(gw.dataDir, '..', `leak-${answers[2]!.callId}.txt`)]);
    expect(human.stdout).toContain('Attributed');
    expect(human.stdout).toContain(answers[2]!.device.deviceId!);
  });

  it('a text sharing only the demo\'s boilerplate opening line is inconclusive and names nobody', async () => {
    const report = await trace('boilerplate', DEMO_LABEL.replace(/_/gu, '').toUpperCase());
    expect(report.verdict).toBe('inconclusive');
    expect(report.calls.length).toBeGreaterThan(0);
    expect(report.calls.every((c) => c.distinctive === 0)).toBe(true);
    const human = await gw.cli(['trace', join(gw.dataDir, '..', 'boilerplate.txt')]);
    expect(human.stdout).toContain('Inconclusive');
  });

  it('an unrelated text matches nothing', async () => {
    const report = await trace('unrelated', 'Tomatoes ripen faster on the windowsill when a banana sits beside them, my grandmother used to say every August while she canned the last of the harvest.');
    expect(report).toMatchObject({ verdict: 'no-match', calls: [] });
  });

  it('audits each trace as an admin action with the text\'s hash, not the text', async () => {
    const tail = await gw.cli(['audit', 'tail', '--json', '-n', '20']);
    const traces = tail.json<{ type: string; subject: string; details: Record<string, unknown> }[]>().filter((e) => e.type === 'admin.trace');
    expect(traces.length).toBeGreaterThanOrEqual(4);
    const attributed = traces.find((e) => e.details.verdict === 'attributed')!;
    expect(attributed.subject).toMatch(/^sha256:[0-9a-f]{64}$/u);
    expect(attributed.details).toMatchObject({ callId: answers[2]!.callId, tester: answers[2]!.device.tester });
    expect(JSON.stringify(traces)).not.toContain('zebra');
  });
});
