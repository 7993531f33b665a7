import type { CliCommand } from '../command.js';
import { table } from '../format.js';

export const testerList: CliCommand = {
  name: 'tester list',
  summary: 'every tester with status, device count and usage over the last 7 days (as usage shows it)',
  async run({ json, out, admin }) {
    const rows = (await admin({ op: 'tester.list' })) as Record<string, unknown>[];
    out(json ? JSON.stringify(rows) : table(rows, ['email', 'status', 'devices', 'requests', 'promptTokens', 'completionTokens', 'refusals', 'cut']));
    return 0;
  },
};
