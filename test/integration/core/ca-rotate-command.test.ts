/**
 * Issue 20: the gateway side of CA rotation, with the real client core on the other end.
 * `ca rotate --stage` makes the next CA and every later invite carries its pin as the backup pin;
 * `ca rotate --switch` (gateway stopped) makes it current. An app enrolled with such an invite
 * follows the switch (it accepts the new CA by its pin and keeps it). One enrolled before the stage
 * with a one-pin invite learns the next pin from the gateway (`GET /v1/trust`) at its next session
 * while the CA is staged, keeps it in its keychain record and follows too; one that never opened a
 * session while the CA was staged holds only the old pin and is refused, loudly, as documented.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initDataDir } from '../../../gateway/init/init.js';
import { parseInviteLink } from '../../../protocol/invite/link.js';
import { runCli, startGateway, type TestGateway } from '../../helpers/gateway.js';
import { memoryKeychain } from '../../unit/core/support/memory-keychain.js';
import { chatAll, removeDir, startApp, type TestApp } from './client-harness.js';

describe('ca rotate --stage, then --switch', () => {
  let root: string;
  let gw: TestGateway | undefined;
  const apps: TestApp[] = [];

  afterAll(async () => {
    for (const app of apps) {
      await app.client.close();
      await removeDir(app.dataDir);
    }
    await gw?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('invites after --stage carry the next pin; their apps follow the switch, older ones are refused', async () => {
    root = await mkdtemp(join(tmpdir(), 'airlock-ca-rotate-'));
    const dataDir = join(root, 'data');
    await initDataDir(dataDir);
    gw = await startGateway({ dataDir });
    const oldPin = gw.pin;
    const port = new URL(gw.url).port;

    // Enrolled before the stage: their invites carry one pin. `early` opens a session while the
    // next CA is staged; `dormant` is not started again until after the switch.
    const earlyKeychain = memoryKeychain();
    const early = await startApp({ gateway: gw.url, keychain: earlyKeychain });
    apps.push(early);
    const earlyLink = await gw.invite('early@example.com');
    expect(parseInviteLink(earlyLink).pins).toEqual([oldPin]);
    await early.client.enroll(earlyLink);
    expect((await chatAll(early.client, 'airlock-demo', 'before')).at(-1)).toMatchObject({ type: 'done' });
    const dormantKeychain = memoryKeychain();
    const dormant = await startApp({ gateway: gw.url, keychain: dormantKeychain });
    apps.push(dormant);
    await dormant.client.enroll(await gw.invite('dormant@example.com'));
    await dormant.client.close();

    const staged = await gw.cli(['ca', 'rotate', '--stage', '--json']);
    expect(staged.code, staged.stderr).toBe(0);
    const { nextPin } = staged.json<{ pin: string; nextPin: string }>();
    expect(nextPin).not.toBe(oldPin);
    expect((await gw.cli(['ca', 'rotate', '--stage'])).stderr).toMatch(/already staged/);

    // The running gateway announces it at once; so does the CLI without a gateway (below).
    const link = await gw.invite('late@example.com');
    expect(parseInviteLink(link).pins).toEqual([oldPin, nextPin]);
    const late = await startApp({ gateway: gw.url, keychain: memoryKeychain() });
    apps.push(late);
    await late.client.enroll(link);
    expect((await chatAll(late.client, 'airlock-demo', 'staged')).at(-1)).toMatchObject({ type: 'done' });

    // The gateway vouches for both CAs now; the early app, started again, asks at its session start
    // and keeps the next pin in its keychain record (read back below by a third start, after the switch).
    const trust = await fetchTrust(gw, 'probe@example.com');
    expect(trust).toEqual({ pins: [oldPin, nextPin] });
    await early.client.close();
    const earlyAgain = await startApp({ gateway: gw.url, dataDir: early.dataDir, keychain: earlyKeychain });
    apps.push(earlyAgain);
    await until(() => /announced its next CA/.test(earlyAgain.logs.text()), 'the early app never kept the next pin');
    await earlyAgain.client.close();

    // The switch waits for the gateway to stop.
    const running = await gw.cli(['ca', 'rotate', '--switch']);
    expect(running.code).toBe(2);
    expect(running.stderr).toMatch(/the gateway is running/);
    await gw.stop({ keepData: true });
    const stoppedInvite = await runCli(['invite', 'create', '--email', 'c@example.com', '--data', dataDir, '--json']);
    expect(parseInviteLink(stoppedInvite.json<{ link: string }>().link).pins).toEqual([oldPin, nextPin]);
    const switched = await runCli(['ca', 'rotate', '--switch', '--data', dataDir, '--json']);
    expect(switched.code, switched.stderr).toBe(0);
    expect(switched.json()).toMatchObject({ pin: nextPin, previousPin: oldPin });

    gw = await startGateway({ dataDir, args: ['--listen', `127.0.0.1:${port}`] });
    expect(gw.pin).toBe(nextPin);
    // Both steps are in the audit log: the stage (through the running gateway) and the switch (offline).
    const tail = (await gw.admin({ op: 'audit.tail', n: 20 })) as { type: string; details: Record<string, unknown> }[];
    expect(tail.filter((e) => e.type === 'admin.ca.stage' || e.type === 'admin.ca.switch').map((e) => [e.type, e.details.pin])).toEqual([
      ['admin.ca.stage', oldPin],
      ['admin.ca.switch', nextPin],
    ]);
    expect(parseInviteLink(await gw.invite('d@example.com')).pins).toEqual([nextPin]);

    const after = await chatAll(late.client, 'airlock-demo', 'after the switch');
    expect(after.at(-1)).toMatchObject({ type: 'done' });
    expect(late.logs.text()).toMatch(/gateway CA accepted by its pin/);

    // After the switch the gateway vouches for the new CA alone.
    const earlyAfter = await startApp({ gateway: gw.url, dataDir: early.dataDir, keychain: earlyKeychain });
    apps.push(earlyAfter);
    const followed = await chatAll(earlyAfter.client, 'airlock-demo', 'learned pin');
    expect(followed.at(-1)).toMatchObject({ type: 'done' });
    expect(earlyAfter.logs.text()).toMatch(/gateway CA accepted by its pin/);
    expect(await fetchTrust(gw, 'probe2@example.com')).toEqual({ pins: [nextPin] });

    const dormantAfter = await startApp({ gateway: gw.url, dataDir: dormant.dataDir, keychain: dormantKeychain });
    apps.push(dormantAfter);
    const refused = await chatAll(dormantAfter.client, 'airlock-demo', 'old pin only');
    expect(refused.at(-1)).toMatchObject({ type: 'error', code: 'connection_not_trusted' });
  }, 180_000);
});

/** `GET /v1/trust` from an enrolled device with a session; without a token it is refused. */
async function fetchTrust(gateway: TestGateway, email: string): Promise<unknown> {
  const device = await gateway.enrolledDevice(email);
  const anonymous = await device.client.raw('GET', '/v1/trust');
  expect(anonymous.status).toBe(401);
  await device.session();
  const response = await device.fetch('GET', '/v1/trust');
  expect(response.status).toBe(200);
  return response.json();
}

async function until(test: () => boolean, message: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
