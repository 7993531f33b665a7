import { str, type CliCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { auditAnchor, flag } from '../options.js';

export const auditVerify: CliCommand = {
  name: 'audit verify',
  summary: 'check the audit hash chain; exits 1 and names the first bad entry',
  description: 'Prints the head (SEQ:HASH): keep it off this host and pass it back with --anchor to detect entries cut off the end.',
  options: { anchor: { type: 'string', value: 'SEQ:HASH', help: 'a head printed earlier that must still be there, unchanged' } },
  async run({ values: v, json, out, err, admin }) {
    const anchor = str(v.anchor) === undefined ? undefined : flag('anchor', auditAnchor, str(v.anchor));
    const result = (await admin({ op: 'audit.verify', ...(anchor ? { anchor } : {}) })) as { ok: boolean; entries: number; firstBad: number | null; reason: string | null; head: { seq: number; hash: string } | null };
    const head = result.head ? `${result.head.seq}:${result.head.hash}` : null;
    if (json) out(JSON.stringify({ ok: result.ok, entries: result.entries, firstBad: result.firstBad, head }));
    else if (result.ok) out(`Audit log verifies: ${result.entries} entries.${head ? ` Head ${head}: keep it off this host and pass it back with --anchor to detect entries cut off the end.` : ''}`);
    else out(`Audit log does NOT verify: entry ${result.firstBad} is bad (${result.entries} entries read).`);
    if (!result.ok) err(`airlock-gateway: audit entry ${result.firstBad}: ${result.reason}`);
    return result.ok ? EXIT.ok : EXIT.failed;
  },
};
