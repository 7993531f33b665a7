import type { CliCommand } from '../command.js';
import { table } from '../format.js';

export const lockList: CliCommand = {
  name: 'lock list',
  summary: 'the locks in force, with their end, message and note',
  async run({ json, out, admin }) {
    const rows = (await admin({ op: 'lock.list' })) as Record<string, unknown>[];
    out(json ? JSON.stringify(rows) : table(rows, ['id', 'targetKind', 'target', 'expiresAt', 'message', 'note', 'createdBy']));
    return 0;
  },
};
