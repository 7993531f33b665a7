/**
 * Enrollment and sign-out are decided by main: a native dialog (here `dialog.showMessageBox`,
 * injected) shows the origin and pin of the link main was handed, and nothing is made or spent
 * until it says yes. The renderer calling `enroll()` is a request, not a decision.
 */
import type { MessageBoxOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { InvokeChannel } from '../../../main/ipc/contract.js';
import { createApiService } from '../../../main/ipc/handlers.js';
import { createPendingInvites } from '../../../main/ipc/pending-invites.js';
import { registerIpcHandlers } from '../../../main/ipc/validated-ipc.js';
import { isAppUrl } from '../../../main/shell/app-protocol.js';
import { nativeConfirmations } from '../../../main/shell/native-confirm.js';
import { createFakeClient } from '../../e2e/support/fake-client.js';
import { APP_FRAME, fakeIpcMain } from './fakes.js';

const PIN = `sha256/${'B'.repeat(43)}=`;
const link = (host: string) => `airlock://enroll?gw=${encodeURIComponent(`https://${host}`)}&code=${'A'.repeat(43)}&pin=${encodeURIComponent(PIN)}`;

/** A fake client that counts what would make a key and spend an invite (its `enroll`). */
function setup(answer: (options: MessageBoxOptions) => Promise<{ response: number }>) {
  const client = createFakeClient();
  const enrolled: string[] = [];
  const realEnroll = client.enroll.bind(client);
  client.enroll = async (l) => {
    enrolled.push(l);
    return realEnroll(l);
  };
  const signedOut: number[] = [];
  const realSignOut = client.signOut.bind(client);
  client.signOut = async () => {
    signedOut.push(1);
    return realSignOut();
  };
  const dialogs: MessageBoxOptions[] = [];
  const confirm = nativeConfirmations((options) => {
    dialogs.push(options);
    return answer(options);
  });
  const fake = fakeIpcMain();
  registerIpcHandlers(fake.ipc, createApiService({ client, invites: createPendingInvites(), confirm }).handlers, { isAppUrl });
  return { ...fake, client, enrolled, signedOut, dialogs };
}

describe('enrollment is confirmed by main, not the renderer', () => {
  it('a renderer enroll() answered "Cancel" makes no key and spends no invite', async () => {
    const { call, enrolled, dialogs, client } = setup(async () => ({ response: 0 }));
    const result = await call(InvokeChannel.Enroll, APP_FRAME, { link: link('gw.example:8443') });
    expect(result).toMatchObject({ ok: false, code: 'not_confirmed', message: expect.stringMatching(/no key was made and the invite was not used/) });
    expect(enrolled).toEqual([]);
    expect(client.state()).toEqual({ kind: 'not-enrolled' });
    expect(dialogs).toHaveLength(1);
  });

  it('a renderer enroll() with no answer yet has made no key and spent no invite', async () => {
    let answer: (value: { response: number }) => void = () => {};
    const { call, enrolled } = setup(() => new Promise((resolve) => (answer = resolve)));
    const pending = call(InvokeChannel.Enroll, APP_FRAME, { link: link('gw.example') });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(enrolled).toEqual([]);
    // A second request while the dialog is open is refused, not stacked behind it.
    expect(await call(InvokeChannel.Enroll, APP_FRAME, { link: link('other.example') })).toMatchObject({ ok: false, code: 'not_confirmed' });
    answer({ response: 0 });
    await pending;
    expect(enrolled).toEqual([]);
  });

  it('shows the origin and pin of the link it was handed, with Cancel as the default and Escape answer', async () => {
    const { call, enrolled, dialogs } = setup(async () => ({ response: 1 }));
    const result = await call(InvokeChannel.Enroll, APP_FRAME, { link: link('evil.example') });
    expect(result).toMatchObject({ ok: true, value: { kind: 'enrolled', gateway: 'https://evil.example' } });
    expect(enrolled).toEqual([link('evil.example')]);
    expect(dialogs[0]).toMatchObject({ type: 'question', buttons: ['Cancel', 'Enroll this device'], defaultId: 0, cancelId: 0, message: 'Enroll this device with evil.example?' });
    expect(dialogs[0]?.detail).toContain('Gateway: https://evil.example');
    expect(dialogs[0]?.detail).toContain(`Certificate pin: ${PIN}`);
  });

  it('says, before enrolling again from an enrolled device, which enrollment it replaces', async () => {
    const { call, enrolled, dialogs, signedOut } = setup(async () => ({ response: 1 }));
    await call(InvokeChannel.Enroll, APP_FRAME, { link: link('first.example') });
    await call(InvokeChannel.Enroll, APP_FRAME, { link: link('second.example') });
    expect(dialogs[1]?.detail).toContain('enrolled with https://first.example: continuing signs it out there');
    expect(signedOut).toHaveLength(1);
    expect(enrolled).toEqual([link('first.example'), link('second.example')]);
  });

  it('a renderer signOut() answered "Cancel" deletes nothing', async () => {
    let yes = true;
    const { call, client, signedOut, dialogs } = setup(async () => ({ response: yes ? 1 : 0 }));
    await call(InvokeChannel.Enroll, APP_FRAME, { link: link('gw.example') });
    yes = false;
    expect(await call(InvokeChannel.SignOut, APP_FRAME)).toMatchObject({ ok: false, code: 'not_confirmed' });
    expect(signedOut).toEqual([]);
    expect(client.state()).toMatchObject({ kind: 'enrolled' });
    expect(dialogs.at(-1)).toMatchObject({ message: 'Sign out of this device?', defaultId: 0, cancelId: 0 });
    yes = true;
    expect(await call(InvokeChannel.SignOut, APP_FRAME)).toEqual({ ok: true, value: null });
    expect(client.state()).toEqual({ kind: 'not-enrolled' });
  });
});
