import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AdminError } from '../../admin/operations.js';
import type { CliCommand } from '../command.js';

export const releaseAdd: CliCommand = {
  name: 'release add',
  summary: 'admit a signed release manifest (verified against policy.releaseKeys)',
  args: ['MANIFEST'],
  async run({ args, json, out, admin }) {
    const file = resolve(args[0]!);
    const manifest = await readFile(file, 'utf8').catch(() => {
      throw new AdminError('bad_request', `${file}: the release manifest cannot be read.`);
    });
    const result = (await admin({ op: 'release.add', manifest })) as { buildId: string; version: string; platform: string; arch: string; kid: string; added: boolean };
    out(json ? JSON.stringify(result) : `Release ${result.version} (${result.platform}/${result.arch}) build ${result.buildId}: ${result.added ? 'admitted' : 'already admitted'} (release key ${result.kid})`);
    return 0;
  },
};
