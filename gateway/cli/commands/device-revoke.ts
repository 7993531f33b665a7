import type { CliCommand } from '../command.js';
import { MESSAGE_OPTIONS, revocationTexts } from '../message-options.js';

export const deviceRevoke: CliCommand = {
  name: 'device revoke',
  summary: 'revoke a device for good: its live connections are cut, its key is refused from now on',
  args: ['ID'],
  options: MESSAGE_OPTIONS,
  examples: ['device revoke dev_... --message "This laptop was reported lost." --note "ticket SEC-42"'],
  async run({ args, values: v, json, out, admin }) {
    const result = (await admin({ op: 'device.revoke', id: args[0]!, ...revocationTexts(v) })) as Record<string, unknown>;
    out(json ? JSON.stringify(result) : `Device ${String(result.id)}: ${String(result.status)} (${String(result.cut)} live connection(s) cut)`);
    return 0;
  },
};
