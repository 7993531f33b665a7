import type { CliCommand } from '../command.js';
import { table } from '../format.js';

export const inviteList: CliCommand = {
  name: 'invite list',
  summary: 'every invite with its status (pending, used, expired, revoked)',
  async run({ json, out, admin }) {
    const rows = (await admin({ op: 'invite.list' })) as Record<string, unknown>[];
    out(json ? JSON.stringify(rows) : table(rows, ['id', 'email', 'status', 'expiresAt', 'devices']));
    return 0;
  },
};
