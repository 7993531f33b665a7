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
    const result = (await admin(request, originOverride ? { origin: originOverride } : {})) as { id: string; link: string; expiresAt: string; pin: string };
    out(json ? JSON.stringify(result) : whatToSend(request.email, result));
    return 0;
  },
};

/** What the admin sends the tester: the link, where the app comes from, and the pin to compare. */
function whatToSend(to: string, invite: { id: string; link: string; expiresAt: string; pin: string }): string {
  return [
    `Invite ${invite.id} for ${to}, single use, expires ${invite.expiresAt}.`,
    '',
    'Send the tester (by a channel you trust):',
    `  1. The Airlock app: the installer your team distributes (from a checkout: npm start).`,
    `  2. This link, to open with the app installed (or paste into it):`,
    `     ${invite.link}`,
    `  3. The first characters of the gateway pin, to compare on the app's confirm screen: ${invite.pin.slice(0, 19)}…`,
    '',
    'Revoke it unused with: airlock-gateway invite revoke ' + invite.id,
  ].join('\n');
}
