import type { CliCommand } from '../command.js';
import { auditTail } from './audit-tail.js';
import { auditVerify } from './audit-verify.js';
import { adminConsole } from './console.js';
import { dev } from './dev.js';
import { deviceList } from './device-list.js';
import { deviceRevoke } from './device-revoke.js';
import { deviceShow } from './device-show.js';
import { init } from './init.js';
import { lockCreate } from './lock-create.js';
import { lockList } from './lock-list.js';
import { lockRemove } from './lock-remove.js';
import { status } from './status.js';
import { testerResume } from './tester-resume.js';
import { usage } from './usage.js';
import { trace } from './trace.js';
import { inviteCreate } from './invite-create.js';
import { inviteList } from './invite-list.js';
import { inviteRevoke } from './invite-revoke.js';
import { backup } from './backup.js';
import { caRotate } from './ca-rotate.js';
import { certRenew } from './cert-renew.js';
import { restore } from './restore.js';
import { originSet } from './origin-set.js';
import { originShow } from './origin-show.js';
import { policyCheck } from './policy-check.js';
import { policyReload } from './policy-reload.js';
import { policyShow } from './policy-show.js';
import { releaseAdd } from './release-add.js';
import { serve } from './serve.js';
import { testerList } from './tester-list.js';
import { testerSuspend } from './tester-suspend.js';

/**
 * Every `airlock-gateway` command, in the order `--help` lists them. Adding a command: a module
 * in this folder exporting a CliCommand, and one line here.
 */
export const COMMANDS: readonly CliCommand[] = [
  init,
  serve,
  adminConsole,
  dev,
  status,
  usage,
  trace,
  inviteCreate,
  inviteList,
  inviteRevoke,
  deviceList,
  deviceShow,
  deviceRevoke,
  testerList,
  testerSuspend,
  testerResume,
  lockCreate,
  lockList,
  lockRemove,
  auditTail,
  auditVerify,
  policyShow,
  policyReload,
  policyCheck,
  releaseAdd,
  originShow,
  originSet,
  certRenew,
  caRotate,
  backup,
  restore,
];
