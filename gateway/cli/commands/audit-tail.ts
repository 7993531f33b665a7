import { str, type CliCommand } from '../command.js';
import { table } from '../format.js';
import { count, flag } from '../options.js';

export const auditTail: CliCommand = {
  name: 'audit tail',
  summary: 'the last entries of the audit log',
  options: { n: { type: 'string', short: 'n', value: 'N', help: 'how many entries (default 20)' } },
  async run({ values: v, json, out, admin }) {
    const rows = (await admin({ op: 'audit.tail', n: flag('n', count(100_000), str(v.n) ?? '20') })) as Record<string, unknown>[];
    out(json ? JSON.stringify(rows) : table(rows, ['seq', 'time', 'type', 'actor', 'subject', 'details']));
    return 0;
  },
};
