import { readFile } from 'node:fs/promises';
import { socketIsLive } from '../../admin/socket-server.js';
import { dataPaths } from '../../config/data-dir.js';
import { assertAirlockDataDir } from '../admin-call.js';
import type { CliCommand } from '../command.js';
import { flag, publicOriginFlag } from '../options.js';
import { UsageError } from '../usage-error.js';
import { describeOrigin } from './origin-show.js';

export const originSet: CliCommand = {
  name: 'origin set',
  summary: 'change the public origin invites carry',
  description: 'https://HOST[:PORT] fixes the port; a bare HOST takes the port serve listens on. The server certificate must name HOST\n(cert renew --name HOST first). A running gateway keeps its origin until it restarts; apps enrolled at the old origin need a new invite.',
  args: ['ORIGIN'],
  examples: ['origin set https://gateway.lab.example:443', 'origin set gateway.lab.example'],
  async run({ args, dataDir, json, out }) {
    const setting = flag('public-origin', publicOriginFlag, args[0]);
    await assertAirlockDataDir(dataDir);
    const [{ writePublicOrigin }, { certificateNames, certificateNamesHost }] = await Promise.all([import('../../origin/origin-config.js'), import('../../tls/certificates.js')]);
    const paths = dataPaths(dataDir);
    const serverCert = await readFile(paths.serverCert, 'utf8');
    if (!certificateNamesHost(serverCert, setting.host)) {
      throw new UsageError(`the server certificate does not name ${setting.host} (it names ${certificateNames(serverCert).join(', ')}); run "airlock-gateway cert renew --name ${setting.host}" first`, undefined, 'origin set');
    }
    await writePublicOrigin(dataDir, setting);
    const running = await socketIsLive(paths.adminSocket);
    const shown = describeOrigin(setting);
    out(json
      ? JSON.stringify({ publicOrigin: shown, host: setting.host, port: setting.port ?? null, restartNeeded: running })
      : `Public origin set to ${shown}.${running ? ' The running gateway keeps its origin until it restarts.' : ''} Apps enrolled at another origin need a new invite.`);
    return 0;
  },
};
