/**
 * Issue 20: the gateway side of CA rotation, with the real client core on the other end.
 * `ca rotate --stage` makes the next CA and every later invite carries its pin as the backup pin;
 * `ca rotate --switch` (gateway stopped) makes it current. An app enrolled with such an invite
 * follows the switch (it accepts the new CA by its pin and keeps it); one enrolled before the
 * stage holds only the old pin and is refused, loudly, as documented.
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

    // Enrolled before the stage: its invite carries one pin.
    const early = await startApp({ gateway: gw.url, keychain: memoryKeychain() });
    apps.push(early);
    const earlyLink = await gw.invite('early@example.com');
    expect(parseInviteLink(earlyLink).pins).toEqual([oldPin]);
    await early.client.enroll(earlyLink);
    expect((await chatAll(early.client, 'airlock-demo', 'before')).at(-1)).toMatchObject({ type: 'done' });

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

    const refused = await chatAll(early.client, 'airlock-demo', 'old pin only');
    expect(refused.at(-1)).toMatchObject({ type: 'error', code: 'connection_not_trusted' });
  }, 180_000);
});
