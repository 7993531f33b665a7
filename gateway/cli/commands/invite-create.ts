import { str, type CliCommand } from '../command.js';
import { count, duration, email, flag, origin } from '../options.js';

export const inviteCreate: CliCommand = {
  name: 'invite create',
  summary: 'make a single-use invite link for a tester',
  options: {
    email: { type: 'string', value: 'EMAIL', required: true, help: "the tester's email" },
    expires: { type: 'string', value: '72h', help: 'how long the link is valid (s, m, h or d; default 72h)' },
    devices: { type: 'string', value: 'N', help: 'how many devices may enroll with it (default 1)' },
    origin: { type: 'string', value: 'URL', help: 'the gateway origin to put in the link (default: the one the gateway serves)' },
  },
  examples: ['invite create --email ada@lab.example --expires 72h'],
  async run({ values: v, json, out, admin }) {
    const originOverride = str(v.origin) ? flag('origin', origin, v.origin) : undefined;
    const request = {
      op: 'invite.create' as const,
      email: flag('email', email, v.email),
      expiresInSeconds: flag('expires', duration, str(v.expires) ?? '72h'),
      devices: flag('devices', count(100), str(v.devices) ?? '1'),
    };
    const result = (await admin(request, originOverride ? { origin: originOverride } : {})) as { id: string; link: string; expiresAt: string };
    out(json ? JSON.stringify(result) : `Invite ${result.id}, expires ${result.expiresAt}:\n${result.link}`);
    return 0;
  },
};
