import { setTimeout as sleep } from 'node:timers/promises';
import type { CliCommand } from '../command.js';
import { table } from '../format.js';

const COLUMNS = ['tester', 'deviceId', 'platform', 'appVersion', 'buildId', 'trustLevel', 'since', 'events', 'streams', 'requestsLastHour', 'tokensLastHour'];
const WATCH_MS = 2_000;

export const status: CliCommand = {
  name: 'status',
  aliases: ['who'],
  summary: 'the devices connected now: tester, app, trust level, open channels and streams, last hour',
  description: 'Asks the running gateway (exit 3 when none runs). --watch redraws every 2 s until Ctrl-C; with --json it prints one JSON document a line.',
  options: { watch: { type: 'boolean', help: 'refresh in place every 2 seconds' } },
  async run({ values, json, out, admin }) {
    const once = async () => (await admin({ op: 'status' }, { live: true })) as Record<string, unknown>[];
    const render = (rows: Record<string, unknown>[]) => (json ? JSON.stringify(rows) : table(rows, COLUMNS));
    if (values.watch !== true) {
      out(render(await once()));
      return 0;
    }
    let stopped = false;
    process.once('SIGINT', () => (stopped = true));
    while (!stopped) {
      const rows = await once();
      // Home and clear, then the table: the view refreshes in place.
      out(json ? render(rows) : `\u001b[H\u001b[2J${new Date().toISOString()}  (every ${WATCH_MS / 1000} s, Ctrl-C to stop)\n${render(rows)}`);
      await sleep(WATCH_MS);
    }
    return 0;
  },
};
