import { socketIsLive } from '../../admin/socket-server.js';
import { assertPrivate, dataPaths } from '../../config/data-dir.js';
import { assertAirlockDataDir } from '../admin-call.js';
import type { CliCommand } from '../command.js';
import { UsageError } from '../usage-error.js';

export const caRotate: CliCommand = {
  name: 'ca rotate',
  summary: 'rotate the gateway CA: --stage a next CA (invites then carry its pin as backup), later --switch to it',
  description:
    'Apps follow a new CA only when their invite carried its pin, so stage early (right after init is best): every invite made\n' +
    'after --stage carries the next pin. --switch (gateway stopped) makes it current and issues a server certificate from it;\n' +
    'the gateway serves it from its next start. Apps enrolled before --stage must be invited again after the switch.',
  options: {
    stage: { type: 'boolean', help: 'make the next CA; invites announce its pin as the backup pin' },
    switch: { type: 'boolean', help: 'make the staged CA current (the gateway must be stopped; the old CA is kept as ca-previous.*)' },
  },
  examples: ['ca rotate --stage', 'ca rotate --switch'],
  async run({ values, dataDir, json, out, admin }) {
    if ((values.stage === true) === (values.switch === true)) throw new UsageError('give exactly one of --stage and --switch', undefined, 'ca rotate');
    await assertAirlockDataDir(dataDir);
    const paths = dataPaths(dataDir);
    await assertPrivate(paths.caKey, 'file');
    const { stageNextCa, switchToNextCa } = await import('../../tls/ca-rotation.js');
    if (values.stage === true) {
      const staged = await stageNextCa(paths);
      await admin({ op: 'host.record', event: 'ca.stage', facts: { pin: staged.pin, nextPin: staged.nextPin } });
      out(json ? JSON.stringify({ staged: true, ...staged }) : `Next CA staged. pin (current): ${staged.pin}\nbackup pin (next): ${staged.nextPin}\nEvery invite now carries both. Switch later with "airlock-gateway ca rotate --switch" (gateway stopped).`);
      return 0;
    }
    if (await socketIsLive(paths.adminSocket)) throw new UsageError('the gateway is running on this data directory: stop it, run "ca rotate --switch", then start it again', undefined, 'ca rotate');
    const switched = await switchToNextCa(paths);
    await admin({ op: 'host.record', event: 'ca.switch', facts: { pin: switched.pin, previousPin: switched.previousPin } });
    out(json ? JSON.stringify({ switched: true, ...switched }) : `Switched to the next CA. pin (now): ${switched.pin}\nprevious pin: ${switched.previousPin} (its CA is kept as ca-previous.pem/.key)\nStart the gateway: it serves the new CA. Apps whose invite carried ${switched.pin} follow; others need a new invite.`);
    return 0;
  },
};
