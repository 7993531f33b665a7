import type { CliCommand } from '../command.js';

export const adminConsole: CliCommand = {
  name: 'console',
  summary: 'print a one-time login link to the admin web console (valid 60 s, single use)',
  description:
    'The running gateway must have been started with --console-listen. The link opens a console session for the OS user running this command; ' +
    'from another machine, forward the port first: ssh -L PORT:127.0.0.1:PORT gatewayhost.',
  examples: ['console', 'console --json'],
  async run({ json, out, admin }) {
    const result = (await admin({ op: 'console.link' })) as { link: string; expiresAt: string };
    const port = new URL(result.link).port;
    out(json ? JSON.stringify(result) : `${result.link}\nOpen it within 60 seconds (until ${result.expiresAt}); it works once.\nFrom your laptop: ssh -L ${port}:127.0.0.1:${port} <this host>, then open the link there.`);
    return 0;
  },
};
