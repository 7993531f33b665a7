import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AdminError } from '../../admin/operations.js';
import type { CliCommand } from '../command.js';
import { table } from '../format.js';
import type { TraceReport } from '../../tracing/trace-leak.js';

/** The most text one trace reads: far more than any paste, and what the admin socket request allows. */
const MAX_TEXT_BYTES = 1_000_000;

async function readBounded(source: AsyncIterable<Buffer | string>, name: string): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (size > MAX_TEXT_BYTES) throw new AdminError('bad_request', `${name} is larger than ${MAX_TEXT_BYTES} bytes; trace the part that was leaked.`);
    parts.push(bytes);
  }
  const text = Buffer.concat(parts).toString('utf8');
  if (text.trim() === '') throw new AdminError('bad_request', `${name} is empty: give the leaked text in a file, or pipe it in with "-".`);
  return text;
}

async function readLeak(arg: string): Promise<string> {
  if (arg === '-') return readBounded(process.stdin, 'The text on standard input');
  const file = resolve(arg);
  const handle = await open(file, 'r').catch(() => {
    throw new AdminError('bad_request', `${file} cannot be read. Give the file holding the leaked text, or "-" to read it from standard input.`);
  });
  try {
    return await readBounded(handle.createReadStream(), file);
  } finally {
    await handle.close();
  }
}

const VERDICTS: Record<TraceReport['verdict'], string> = {
  attributed: 'Attributed: the first row is the call this text most likely came from.',
  inconclusive: 'Inconclusive: the text shares only boilerplate, or too little, with stored answers; it names nobody.',
  'no-match': 'No match: no stored answer shares a fingerprint with this text (expired, paraphrased, or never answered here).',
};

export const trace: CliCommand = {
  name: 'trace',
  summary: 'find the tester, device and call behind a leaked answer (FILE, or - for standard input)',
  description: 'The text is fingerprinted like every answer and matched against the stored fingerprints; it is not stored (the audit entry keeps its SHA-256).',
  args: ['FILE|-'],
  examples: ['trace leaked.txt', 'pbpaste | airlock-gateway trace - --json'],
  async run({ args, json, out, admin }) {
    const text = await readLeak(args[0]!);
    const report = (await admin({ op: 'trace', text })) as TraceReport;
    if (json) {
      out(JSON.stringify(report));
      return 0;
    }
    const rows = report.calls.map((c) => ({ ...c, coverage: `${Math.round(c.coverage * 100)}%`, matched: `${c.matched} (${c.distinctive} distinctive)` }));
    out(
      [
        VERDICTS[report.verdict],
        `${report.words} words, ${report.fingerprints} fingerprints; a shared run of ${report.guaranteedRun} or more words is always found. Text SHA-256 ${report.textSha256}.`,
        ...(rows.length > 0 ? ['', table(rows, ['tester', 'deviceId', 'time', 'model', 'callId', 'coverage', 'matched'])] : []),
      ].join('\n'),
    );
    return 0;
  },
};
