import type { CliCommand } from '../command.js';

export const policyReload: CliCommand = {
  name: 'policy reload',
  summary: 'load DATA/policy.json into the running gateway; a bad file leaves the one in force',
  async run({ json, out, admin }) {
    const result = await admin({ op: 'policy.reload' });
    out(json ? JSON.stringify(result) : JSON.stringify(result, null, 2));
    return 0;
  },
};
