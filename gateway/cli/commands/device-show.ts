import type { CliCommand } from '../command.js';
import { keyValues } from '../format.js';

export const deviceShow: CliCommand = {
  name: 'device show',
  summary: 'everything the gateway knows about one device',
  args: ['ID'],
  async run({ args, json, out, admin }) {
    const result = (await admin({ op: 'device.show', id: args[0]! })) as Record<string, unknown>;
    out(json ? JSON.stringify(result) : keyValues(result));
    return 0;
  },
};
