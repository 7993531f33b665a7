import { str, type CliCommand } from '../command.js';
import { email, flag, text } from '../options.js';

export const testerSuspend: CliCommand = {
  name: 'tester suspend',
  summary: "suspend a tester: revokes every device and cuts its live connections",
  args: ['EMAIL'],
  options: {
    message: { type: 'string', value: 'TEXT', help: 'shown to the tester in the app (and kept in the audit log)' },
    note: { type: 'string', value: 'TEXT', help: 'for admins only: kept in the audit log, never shown to the tester' },
    reason: { type: 'string', value: 'TEXT', help: '', aliasOf: 'message' },
  },
  async run({ args, values: v, json, out, admin }) {
    const result = (await admin({ op: 'tester.suspend', email: flag('email', email, args[0]), ...(str(v.message) ? { reason: flag('message', text(500), v.message) } : {}), ...(str(v.note) ? { note: flag('note', text(2000), v.note) } : {}) })) as Record<string, unknown>;
    out(json ? JSON.stringify(result) : `Tester ${String(result.email)}: ${String(result.status)}, ${String(result.devicesRevoked)} device(s) revoked, ${String(result.cut)} live connection(s) cut`);
    return 0;
  },
};
