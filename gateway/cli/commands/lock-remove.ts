import { str, type CliCommand } from '../command.js';
import { flag, lockIdFlag, text } from '../options.js';

export const lockRemove: CliCommand = {
  name: 'lock remove',
  summary: 'lift a lock now: the device (or tester) works again with its existing key',
  args: ['ID'],
  options: { note: { type: 'string', value: 'TEXT', help: 'for admins only: kept in the audit log' } },
  async run({ args, values: v, json, out, admin }) {
    const result = (await admin({ op: 'lock.remove', id: flag('id', lockIdFlag, args[0]), ...(str(v.note) ? { note: flag('note', text(2000), v.note) } : {}) })) as { id: string; target: string; removed: boolean };
    out(json ? JSON.stringify(result) : result.removed ? `Lock ${result.id} on ${result.target}: removed.` : `Lock ${result.id} was already removed.`);
    return 0;
  },
};
