import type { CliCommand } from '../command.js';

export const policyShow: CliCommand = {
  name: 'policy show',
  summary: 'the policy in force (or the file, when no gateway runs)',
  async run({ json, out, admin }) {
    const result = await admin({ op: 'policy.show' });
    out(json ? JSON.stringify(result) : JSON.stringify(result, null, 2));
    return 0;
  },
};
