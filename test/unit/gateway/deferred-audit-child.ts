/**
 * Child process for deferred-audit.test.ts, killed with SIGKILL (by the test, or by itself):
 *  - `deferred DB`: appends one entry through appendAuditDeferred, prints its seq once the promise
 *    resolved, then waits for the test's SIGKILL;
 *  - `written DB`: appends one start record through appendAuditWritten and prints its seq the moment
 *    it is written (its fsync not awaited), then waits for the SIGKILL;
 *  - `revoke DB` / `enroll DB`: enrolls a device, asks for 20 call entries without awaiting them,
 *    then revokes the device (or enrolls a second one) and kills itself the moment that resolves.
 */
import { openSqliteStore } from '../../../gateway/store/sqlite-store.js';
import { hashInviteCode } from '../../../gateway/enroll/ids.js';
import type { DeviceRecord, NewDevice } from '../../../gateway/store/store.js';

const [mode, path] = process.argv.slice(2);
if (!path) throw new Error('usage: deferred-audit-child.ts deferred|written|revoke|enroll DB');
const store = openSqliteStore(path);
const call = (i: number) => ({ type: 'model.call', actor: 'device:dev_child', subject: 'test-chat', details: { i, outcome: 'ok' } });
const keepAlive = () => setInterval(() => undefined, 1_000);

function device(n: number): NewDevice {
  const b = (c: string): string => c.repeat(43).slice(0, 43);
  return {
    id: `dev_child${String(n).padStart(4, '0')}${'a'.repeat(8)}`,
    publicJwk: { kty: 'EC', crv: 'P-256', x: b(`X${n}`), y: b(`Y${n}`) },
    jkt: `jkt-child-${n}`,
    evidence: { platform: 'linux', osRelease: '6.1.0', arch: 'x64', appVersion: '1.2.3', buildId: 'dev', packaged: false, machineIdHash: b('m'), diskEncryption: 'on', debugger: false, keyStorage: 'keychain' },
  };
}

async function enroll(n: number) {
  const codeHash = hashInviteCode(`code-${n}`);
  const invite = await store.createInvite({ id: `inv_child${String(n).padStart(4, '0')}`, email: `child${n}@example.com`, codeHash, expiresAt: new Date(Date.now() + 600_000).toISOString(), deviceLimit: 1 }, { type: 'admin.invite.create', actor: 'admin', subject: `child${n}@example.com` });
  const nonce = `nonce-child-${n}`;
  await store.createChallenge({ nonce, inviteId: invite.id, expiresAt: Math.floor(Date.now() / 1000) + 120 });
  const outcome = await store.enrollDevice({ challengeNonce: nonce, codeHash, device: device(n), now: Math.floor(Date.now() / 1000) }, (d: DeviceRecord) => ({ type: 'device.enroll', actor: `device:${d.id}`, subject: d.tester }));
  if (!outcome.ok) throw new Error(`enrollment refused: ${outcome.code}`);
  return outcome;
}

if (mode === 'deferred') {
  const entry = await store.appendAuditDeferred(call(0));
  process.stdout.write(`${entry.seq}\n`);
  keepAlive();
} else if (mode === 'written') {
  await store.appendAuditWritten({ type: 'model.call.start', actor: 'device:dev_child', subject: 'test-chat', details: { callId: 'c1' } });
  const [last] = await store.auditTail(1);
  process.stdout.write(`${last!.seq}\n`);
  keepAlive();
} else if (mode === 'revoke' || mode === 'enroll') {
  await enroll(1);
  for (let i = 0; i < 20; i++) void store.appendAuditDeferred(call(i));
  if (mode === 'revoke') await store.revokeDevice(device(1).id, 'stolen laptop', { type: 'admin.device.revoke', actor: 'admin', subject: device(1).id });
  else await enroll(2);
  process.kill(process.pid, 'SIGKILL');
} else {
  throw new Error(`unknown mode ${mode}`);
}
