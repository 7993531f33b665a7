import { str, type CliCommand } from '../command.js';

export const deviceRevoke: CliCommand = {
  name: 'device revoke',
  summary: 'revoke a device for good: its live connections are cut, its key is refused from now on',
  args: ['ID'],
  options: { reason: { type: 'string', value: 'TEXT', help: 'why; recorded in the audit log' } },
  examples: ['device revoke dev_... --reason "laptop lost"'],
  async run({ args, values: v, json, out, admin }) {
    const result = (await admin({ op: 'device.revoke', id: args[0]!, ...(str(v.reason) ? { reason: str(v.reason)! } : {}) })) as Record<string, unknown>;
    out(json ? JSON.stringify(result) : `Device ${String(result.id)}: ${String(result.status)} (${String(result.cut)} live connection(s) cut)`);
    return 0;
  },
};
