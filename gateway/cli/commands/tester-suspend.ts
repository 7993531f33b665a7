import { str, type CliCommand } from '../command.js';
import { email, flag } from '../options.js';

export const testerSuspend: CliCommand = {
  name: 'tester suspend',
  summary: "suspend a tester: revokes every device and cuts its live connections",
  args: ['EMAIL'],
  options: { reason: { type: 'string', value: 'TEXT', help: 'why; recorded in the audit log' } },
  async run({ args, values: v, json, out, admin }) {
    const result = (await admin({ op: 'tester.suspend', email: flag('email', email, args[0]), ...(str(v.reason) ? { reason: str(v.reason)! } : {}) })) as Record<string, unknown>;
    out(json ? JSON.stringify(result) : `Tester ${String(result.email)}: ${String(result.status)}, ${String(result.devicesRevoked)} device(s) revoked, ${String(result.cut)} live connection(s) cut`);
    return 0;
  },
};
