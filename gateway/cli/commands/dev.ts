import { assertPrivate, dataPaths } from '../../config/data-dir.js';
import { str, type CliCommand } from '../command.js';
import { flag, listen } from '../options.js';
import { UsageError } from '../usage-error.js';
import { logFormatFor, serveUntilSignalled } from './serve.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export const dev: CliCommand = {
  name: 'dev',
  summary: 'loopback gateway with the demo upstream and a fresh invite (data dir made on first use)',
  description: 'Keeps the port of its last run so an enrolled app finds it again. Prints url, pin and an invite link.',
  options: { listen: { type: 'string', value: 'HOST:PORT', help: 'loopback address to listen on (default 127.0.0.1, any free port)' } },
  defaultDataDir: '.airlock-dev',
  async run({ values: v, dataDir, json, out }) {
    const at = flag('listen', listen, str(v.listen) ?? '127.0.0.1:0');
    if (!LOOPBACK.has(at.host)) throw new UsageError('--listen: dev listens on loopback only (127.0.0.1 or ::1)', undefined, 'dev');
    const [{ serveGateway }, { readRecordedOrigin }, { initDataDir }, { resolveStoreTarget }] = await Promise.all([import('../../server/serve.js'), import('../../server/origin-file.js'), import('../../init/init.js'), import('../../cluster/open-store.js')]);
    const initialized = await assertPrivate(dataPaths(dataDir).caCert, 'file').then(() => true, () => false);
    if (!initialized) await initDataDir(dataDir);
    // Keep the port of the last dev run, so an enrolled app finds its gateway again.
    const last = await readRecordedOrigin(dataDir);
    if (at.port === 0 && last) at.port = Number(new URL(last).port);
    const gateway = await serveGateway({
      dataDir,
      host: at.host,
      port: at.port,
      anyPortIfTaken: true,
      upstream: { kind: 'demo' },
      store: await resolveStoreTarget(dataDir, str(v.store)),
      logLevel: 'warn',
      logFormat: logFormatFor('auto'),
    });
    const invite = (await gateway.admin({ op: 'invite.create', email: 'tester@example.com', expiresInSeconds: 72 * 3600, devices: 1 })) as { link: string };
    out(json ? JSON.stringify({ url: gateway.url, pin: gateway.pin, link: invite.link }) : `${gateway.url}\n${gateway.pin}\n${invite.link}`);
    await serveUntilSignalled(gateway);
    return 0;
  },
};
