import { socketIsLive } from '../../admin/socket-server.js';
import { assertPrivate, dataPaths } from '../../config/data-dir.js';
import { assertAirlockDataDir } from '../admin-call.js';
import type { CliCommand } from '../command.js';
import { flag, hostName } from '../options.js';

export const certRenew: CliCommand = {
  name: 'cert renew',
  summary: 'a new server certificate from the same CA: the pin does not change',
  description:
    'Keeps the names of the current certificate and the public origin\'s host, plus every --name. A running gateway serves the\n' +
    'new certificate to new connections at once (admin socket, no restart); open connections carry on. Run it again if it was interrupted.',
  options: { name: { type: 'string', multiple: true, value: 'HOST', help: 'a further DNS name or IP address for the certificate (repeat for more)' } },
  examples: ['cert renew', 'cert renew --name gateway2.lab.example'],
  async run({ values, dataDir, json, out, admin }) {
    const names = ((values.name as string[] | undefined) ?? []).map((n) => flag('name', hostName, n));
    await assertAirlockDataDir(dataDir);
    const paths = dataPaths(dataDir);
    await assertPrivate(paths.caKey, 'file');
    const [{ renewServerCertificate }, { readPublicOrigin }] = await Promise.all([import('../../tls/renew.js'), import('../../origin/origin-config.js')]);
    const renewed = await renewServerCertificate(paths, { names, publicHost: (await readPublicOrigin(dataDir))?.host ?? null });
    const reloaded = (await socketIsLive(paths.adminSocket)) ? ((await admin({ op: 'tls.reload' })) as { serial: string }).serial === renewed.serial : false;
    await admin({ op: 'host.record', event: 'cert.renew', facts: { serial: renewed.serial, notAfter: renewed.notAfter, pin: renewed.pin } });
    out(json
      ? JSON.stringify({ ...renewed, reloaded })
      : `New server certificate ${renewed.serial}, valid until ${renewed.notAfter}, for localhost${renewed.names.length ? `, ${renewed.names.join(', ')}` : ''}.\npin (unchanged): ${renewed.pin}\n${reloaded ? 'The running gateway serves it to new connections now; open connections carry on.' : 'No gateway runs here: it will serve the new certificate when it starts.'}`);
    return 0;
  },
};
