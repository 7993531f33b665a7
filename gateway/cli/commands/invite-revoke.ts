import type { CliCommand } from '../command.js';

export const inviteRevoke: CliCommand = {
  name: 'invite revoke',
  summary: 'make an unused invite link unusable',
  args: ['ID'],
  async run({ args, json, out, admin }) {
    const result = (await admin({ op: 'invite.revoke', id: args[0]! })) as Record<string, unknown>;
    out(json ? JSON.stringify(result) : `Invite ${String(result.id)}: ${String(result.status)}`);
    return 0;
  },
};
