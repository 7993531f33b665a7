import { str, type CliCommand } from '../command.js';
import { email, flag, text } from '../options.js';

export const testerResume: CliCommand = {
  name: 'tester resume',
  summary: 'lift a suspension: the tester can enroll again with a new invite (revoked devices stay revoked)',
  args: ['EMAIL'],
  options: { note: { type: 'string', value: 'TEXT', help: 'for admins only: kept in the audit log' } },
  examples: ['tester resume ada@lab.example', 'invite create --email ada@lab.example'],
  async run({ args, values: v, json, out, admin }) {
    const result = (await admin({ op: 'tester.resume', email: flag('email', email, args[0]), ...(str(v.note) ? { note: flag('note', text(2000), v.note) } : {}) })) as { email: string; status: string; resumed: boolean };
    out(json ? JSON.stringify(result) : result.resumed ? `Tester ${result.email}: active again. Their old devices stay revoked: send a new invite (airlock-gateway invite create --email ${result.email}).` : `Tester ${result.email} was not suspended (status: ${result.status}); nothing changed.`);
    return 0;
  },
};
