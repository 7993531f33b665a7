import { str, type CliCommand } from '../command.js';
import { table } from '../format.js';
import { duration, email, flag } from '../options.js';
import { z } from 'zod';

export const usage: CliCommand = {
  name: 'usage',
  summary: 'requests, prompt and completion tokens, refusals and cut calls from the audit log',
  options: {
    tester: { type: 'string', value: 'EMAIL', help: 'only this tester' },
    since: { type: 'string', value: '7d', help: 'how far back (s, m, h or d; default 7d)' },
    by: { type: 'string', value: 'tester|day|model|device', help: 'one row per tester (default), day (UTC), model or device' },
  },
  examples: ['usage --since 24h --by model', 'usage --tester ada@lab.example --by day --json'],
  async run({ values: v, json, out, admin }) {
    const seconds = flag('since', duration, str(v.since) ?? '7d');
    const by = flag('by', z.enum(['tester', 'day', 'model', 'device']), str(v.by) ?? 'tester');
    const rows = (await admin({
      op: 'usage',
      since: new Date(Date.now() - seconds * 1000).toISOString(),
      by,
      ...(str(v.tester) ? { tester: flag('tester', email, v.tester) } : {}),
    })) as Record<string, unknown>[];
    out(json ? JSON.stringify(rows) : table(rows.map((r) => ({ [by]: r.key, ...r })), [by, 'requests', 'promptTokens', 'completionTokens', 'refusals', 'cut']));
    return 0;
  },
};
