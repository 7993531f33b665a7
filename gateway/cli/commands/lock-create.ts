import { str, type CliCommand } from '../command.js';
import { MESSAGE_OPTIONS, messageAndNote } from '../message-options.js';
import { deviceIdFlag, duration, email, flag } from '../options.js';
import { UsageError } from '../usage-error.js';

export const lockCreate: CliCommand = {
  name: 'lock create',
  summary: "lock a tester or a device for now: live connections are cut, new sessions refused; the device keeps its key",
  description: 'When the lock ends (--ttl, or lock remove) the device works again without a new invite. Without --ttl it holds until removed.',
  options: {
    tester: { type: 'string', value: 'EMAIL', help: "lock every device of this tester" },
    device: { type: 'string', value: 'ID', help: 'lock this one device' },
    ttl: { type: 'string', value: '2h', help: 'end the lock on its own after this long (s, m, h or d)' },
    'wipe-history': { type: 'boolean', help: "also make the app delete its chat history (file and key) when the lock reaches it; the device key stays" },
    ...MESSAGE_OPTIONS,
  },
  examples: ['lock create --tester ada@lab.example --ttl 2h --message "Paused during the model update; back at 14:00." --note "change CHG-7"', 'lock create --device dev_... --ttl 30m', 'lock create --device dev_... --wipe-history --message "This laptop was reported lost."'],
  async run({ values: v, json, out, admin }) {
    if ((v.tester === undefined) === (v.device === undefined)) throw new UsageError('give exactly one of --tester EMAIL or --device ID', undefined, 'lock create');
    const target = str(v.tester) ? { kind: 'tester' as const, email: flag('tester', email, v.tester) } : { kind: 'device' as const, id: flag('device', deviceIdFlag, v.device) };
    const result = (await admin({
      op: 'lock.create',
      target,
      ...(str(v.ttl) ? { ttlSeconds: flag('ttl', duration, v.ttl) } : {}),
      ...messageAndNote(v),
      ...(v['wipe-history'] === true ? { wipeHistory: true } : {}),
    })) as { id: string; target: string; expiresAt: string | null; cut: number };
    out(json ? JSON.stringify(result) : `Lock ${result.id} on ${result.target} ${result.expiresAt ? `until ${result.expiresAt}` : 'until removed'} (${result.cut} live connection(s) cut). Lift it early with: airlock-gateway lock remove ${result.id}`);
    return 0;
  },
};
