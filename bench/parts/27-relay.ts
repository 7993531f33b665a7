/**
 * Issue 19: CPU of the stream relay (gateway/model/stream-relay.ts) per streamed answer, the same
 * 24-event stream the speed bench's upstream sends (role, 20 words, stop, usage, [DONE]) arriving
 * in two reads. Without the answer's text (leak tracing off and no auditContent) and with it (what
 * leak tracing asks of every call): the first is the baseline of the same run. No I/O: this is the
 * main thread's own work per call, steady on a loaded machine where the end-to-end figures are not.
 */
import { loadavg } from 'node:os';
import { createStreamRelay } from '../../gateway/model/stream-relay.js';
import type { BenchRow } from '../run.js';

const STREAMS = 20_000;
const WARM_UP = 2_000;

const WORDS = Array.from({ length: 20 }, (_, i) => `w${i} `);

function upstreamStream(): Buffer {
  const head = { id: 'chatcmpl-bench-1', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'test-chat' };
  const chunk = (delta: object, finish: string | null) => JSON.stringify({ ...head, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  const events = [
    chunk({ role: 'assistant', content: '' }, null),
    ...WORDS.map((word) => chunk({ content: word }, null)),
    chunk({}, 'stop'),
    JSON.stringify({ ...head, choices: [], usage: { prompt_tokens: 7, completion_tokens: 20, total_tokens: 27 } }),
    '[DONE]',
  ];
  return Buffer.from(events.map((data) => `data: ${data}\n\n`).join(''));
}

/** Microseconds of CPU per stream relayed (process CPU, so a preempted run does not count the wait). */
function relayCpuUs(bytes: Buffer, collectText: boolean, streams: number): number {
  const cut = Math.floor(bytes.length / 3);
  let relayed = 0;
  const started = process.cpuUsage();
  for (let i = 0; i < streams; i++) {
    const relay = createStreamRelay({ collectText });
    relayed += relay.feed(bytes.subarray(0, cut)).length + relay.feed(bytes.subarray(cut)).length + relay.end().length;
    if (relay.state.usage?.completion_tokens !== 20 || (collectText && relay.state.text !== WORDS.join(''))) throw new Error('the relay misread the bench stream');
  }
  const used = process.cpuUsage(started);
  if (relayed !== streams * bytes.length) throw new Error('the relay did not pass the stream on unchanged');
  return (used.user + used.system) / streams;
}

export default async function relayBench(log: (line: string) => void): Promise<BenchRow[]> {
  const bytes = upstreamStream();
  log(`load average at start (1 / 5 / 15 min): ${loadavg().map((l) => l.toFixed(2)).join(' / ')}`);
  relayCpuUs(bytes, false, WARM_UP);
  relayCpuUs(bytes, true, WARM_UP);
  const plain = relayCpuUs(bytes, false, STREAMS);
  const withText = relayCpuUs(bytes, true, STREAMS);
  return [
    { group: 'relay', name: `CPU per streamed answer (24 events, ${bytes.length} bytes), text not collected`, value: plain, unit: 'µs' },
    { group: 'relay', name: 'CPU per streamed answer, text collected (leak tracing on, or auditContent)', value: withText, unit: 'µs', baseline: `${plain.toFixed(1)} µs without text, same run` },
  ];
}
