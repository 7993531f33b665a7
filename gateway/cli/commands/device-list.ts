import type { CliCommand } from '../command.js';
import { table } from '../format.js';

export const deviceList: CliCommand = {
  name: 'device list',
  summary: 'every enrolled device with its tester and status',
  async run({ json, out, admin }) {
    const rows = (await admin({ op: 'device.list' })) as Record<string, unknown>[];
    out(json ? JSON.stringify(rows) : table(rows, ['id', 'tester', 'status', 'platform', 'keyStorage', 'enrolledAt', 'lastSeenAt']));
    return 0;
  },
};
