import type { CliCommand } from '../command.js';
import { MESSAGE_OPTIONS, revocationTexts } from '../message-options.js';
import { email, flag } from '../options.js';

export const testerSuspend: CliCommand = {
  name: 'tester suspend',
  summary: "suspend a tester: revokes every device and cuts its live connections",
  args: ['EMAIL'],
  options: MESSAGE_OPTIONS,
  async run({ args, values: v, json, out, admin }) {
    const result = (await admin({ op: 'tester.suspend', email: flag('email', email, args[0]), ...revocationTexts(v) })) as Record<string, unknown>;
    out(json ? JSON.stringify(result) : `Tester ${String(result.email)}: ${String(result.status)}, ${String(result.devicesRevoked)} device(s) revoked, ${String(result.cut)} live connection(s) cut`);
    return 0;
  },
};
