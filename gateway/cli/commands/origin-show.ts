import { assertAirlockDataDir } from '../admin-call.js';
import type { CliCommand } from '../command.js';

/** `https://host:port`, or with `<port of --listen>` when the port follows the listen address. */
export function describeOrigin(setting: { host: string; port?: number | undefined }): string {
  const host = setting.host.includes(':') ? `[${setting.host}]` : setting.host;
  return setting.port === undefined ? `https://${host}:<port of --listen>` : new URL(`https://${host}:${setting.port}`).origin;
}

export const originShow: CliCommand = {
  name: 'origin show',
  summary: 'the public origin invites carry (DATA/gateway.json)',
  async run({ dataDir, json, out }) {
    await assertAirlockDataDir(dataDir);
    const { readPublicOrigin } = await import('../../origin/origin-config.js');
    const setting = await readPublicOrigin(dataDir);
    const shown = setting ? describeOrigin(setting) : null;
    out(json
      ? JSON.stringify({ publicOrigin: shown, host: setting?.host ?? null, port: setting?.port ?? null })
      : shown ?? 'No public origin: the gateway serves on loopback only. Set one with "airlock-gateway origin set https://NAME:PORT".');
    return 0;
  },
};
