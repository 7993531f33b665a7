import { str, type CliCommand } from '../command.js';
import { flag, hostName, publicOriginFlag } from '../options.js';
import { describeOrigin } from './origin-show.js';

export const init: CliCommand = {
  name: 'init',
  summary: 'create the CA, server certificate, keys, policy and public origin in a new data directory',
  description: 'Refuses a directory that is not empty. Prints the CA pin testers compare on the confirm screen.\nThe first --name is the public origin\'s host (its port: the one serve listens on), unless --public-origin says otherwise.',
  options: {
    name: { type: 'string', multiple: true, value: 'HOST', help: 'a DNS name or IP address the server certificate covers (repeat for more); the first is the public host' },
    'public-origin': { type: 'string', value: 'https://HOST[:PORT]', help: 'the public origin testers reach, when its port is not the one serve listens on (a load balancer, NAT)' },
  },
  examples: ['init --name gateway.lab.example --data /srv/airlock', 'init --public-origin https://gateway.lab.example:443 --data /srv/airlock'],
  async run({ values, dataDir, json, out }) {
    const names = ((values.name as string[] | undefined) ?? []).map((n) => flag('name', hostName, n));
    const publicOrigin = str(values['public-origin']) === undefined ? undefined : flag('public-origin', publicOriginFlag, values['public-origin']);
    const { initDataDir } = await import('../../init/init.js');
    const result = await initDataDir(dataDir, names, publicOrigin ? { publicOrigin } : {});
    const shown = result.publicOrigin ? describeOrigin(result.publicOrigin) : null;
    out(json
      ? JSON.stringify({ pin: result.pin, data: result.data, publicOrigin: shown })
      : `Initialized a gateway in ${result.data}\npin: ${result.pin}\npublic origin: ${shown ?? 'none (loopback only; set one with "airlock-gateway origin set https://NAME:PORT")'}`);
    return 0;
  },
};
