import type { CliCommand } from '../command.js';
import type { PolicyChange } from '../../policy/diff.js';

const show = (v: unknown) => JSON.stringify(v);

export const policyReload: CliCommand = {
  name: 'policy reload',
  summary: 'load DATA/policy.json into the running gateway and say what changed and when it counts; a bad file leaves the one in force',
  description: 'Limits, content auditing, watermark, content protection and history count now; the device checks (platforms, versions, builds, keys, token lifetime) at each device\'s next session.',
  async run({ json, out, admin }) {
    const result = (await admin({ op: 'policy.reload' })) as { applied: boolean; changes: PolicyChange[]; longestWaitSeconds: number };
    if (json) {
      out(JSON.stringify(result));
      return 0;
    }
    if (!result.applied) out('No gateway runs on this data directory: the policy file is valid and is what the next start reads.');
    else if (result.changes.length === 0) out('Policy reloaded: nothing changed.');
    else {
      out(`Policy reloaded: ${result.changes.length} change(s).`);
      for (const c of result.changes) out(`  ${c.field}: ${show(c.before)} -> ${show(c.after)}  (${c.when})`);
      if (result.longestWaitSeconds > 0) out(`Every device is under the new session checks within ${result.longestWaitSeconds} s.`);
    }
    return 0;
  },
};
