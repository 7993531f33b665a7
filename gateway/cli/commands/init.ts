import type { CliCommand } from '../command.js';
import { flag, hostName } from '../options.js';

export const init: CliCommand = {
  name: 'init',
  summary: 'create the CA, server certificate, keys and policy in a new data directory',
  description: 'Refuses a directory that is not empty. Prints the CA pin testers compare on the confirm screen.',
  options: { name: { type: 'string', multiple: true, value: 'HOST', help: 'a DNS name or IP address the server certificate also covers (repeat for more)' } },
  examples: ['init --name gateway.lab.example --data /srv/airlock'],
  async run({ values, dataDir, json, out }) {
    const names = ((values.name as string[] | undefined) ?? []).map((n) => flag('name', hostName, n));
    const { initDataDir } = await import('../../init/init.js');
    const result = await initDataDir(dataDir, names);
    out(json ? JSON.stringify(result) : `Initialized a gateway in ${result.data}\npin: ${result.pin}`);
    return 0;
  },
};
