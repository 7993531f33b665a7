import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CliCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { checkPolicyText } from '../../policy/check.js';

const MAX_POLICY_BYTES = 1_000_000;

export const policyCheck: CliCommand = {
  name: 'policy check',
  summary: 'check a policy file without applying it: every error, each naming its field (exit 1 when any)',
  args: ['FILE'],
  examples: ['policy check ./policy.json && cp ./policy.json /var/lib/airlock/policy.json && airlock-gateway policy reload'],
  async run({ args, json, out, err }) {
    const file = resolve(args[0]!);
    const text = await readFile(file, 'utf8').catch(() => null);
    const result = text === null ? { ok: false as const, errors: ['cannot be read'] } : text.length > MAX_POLICY_BYTES ? { ok: false as const, errors: [`larger than ${MAX_POLICY_BYTES} bytes`] } : checkPolicyText(text);
    if (json) out(JSON.stringify(result.ok ? { ok: true, file, errors: [] } : { ok: false, file, errors: result.errors }));
    else if (result.ok) out(`${file}: valid. "airlock-gateway policy reload" applies it once it is the gateway's DATA/policy.json.`);
    else {
      out(`${file}: ${result.errors.length} error(s), nothing applied:`);
      for (const e of result.errors) out(`  ${e}`);
    }
    if (!result.ok && !json) err(`airlock-gateway: ${file} is not a valid policy.`);
    return result.ok ? EXIT.ok : EXIT.failed;
  },
};
