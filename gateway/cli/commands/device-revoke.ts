import { str, type CliCommand } from '../command.js';
import { flag, text } from '../options.js';

export const deviceRevoke: CliCommand = {
  name: 'device revoke',
  summary: 'revoke a device for good: its live connections are cut, its key is refused from now on',
  args: ['ID'],
  options: {
    message: { type: 'string', value: 'TEXT', help: 'shown to the tester in the app (and kept in the audit log)' },
    note: { type: 'string', value: 'TEXT', help: 'for admins only: kept in the audit log, never shown to the tester' },
    reason: { type: 'string', value: 'TEXT', help: '', aliasOf: 'message' },
  },
  examples: ['device revoke dev_... --message "This laptop was reported lost." --note "ticket SEC-42"'],
  async run({ args, values: v, json, out, admin }) {
    const result = (await admin({ op: 'device.revoke', id: args[0]!, ...(str(v.message) ? { reason: flag('message', text(500), v.message) } : {}), ...(str(v.note) ? { note: flag('note', text(2000), v.note) } : {}) })) as Record<string, unknown>;
    out(json ? JSON.stringify(result) : `Device ${String(result.id)}: ${String(result.status)} (${String(result.cut)} live connection(s) cut)`);
    return 0;
  },
};
