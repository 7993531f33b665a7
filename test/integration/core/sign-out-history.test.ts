/**
 * Issue 14 in the client core, against a real gateway and keychain: sign-out retires the device at
 * the gateway before anything is wiped; with the gateway unreachable it deletes nothing and says
 * so, and `localOnly` wipes anyway. With `chatHistory: "none"` conversations leave no trace on disk.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HISTORY_KEY_SERVICE } from '../../../main/core/conversations/encrypted-history.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { closeApps, filesUnder, keychainEntry, startApp, type TestApp, useOwnKeychain } from './client-harness.js';
import { createKeytarKeychain } from '../../../main/core/keychain/keytar-keychain.js';

async function answered(app: TestApp, conversationId: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const c = app.client.conversations.get(conversationId);
    const last = c?.turns.at(-1);
    if (last?.role === 'assistant' && last.status !== 'streaming') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('no answer');
}

describe('sign-out and chat history in the client core', () => {
  useOwnKeychain();
  const apps: TestApp[] = [];
  const gateways: TestGateway[] = [];
  afterEach(async () => {
    await closeApps(apps);
    for (const gw of gateways.splice(0)) await gw.stop();
  });

  it('does not wipe when the gateway cannot be told, and wipes locally when asked to', async () => {
    const gw = await startGateway({ env: { AIRLOCK_DEMO_TOKENS_PER_SECOND: '0' } });
    gateways.push(gw);
    const app = await startApp({ gateway: gw.url });
    apps.push(app);
    const enrolled = await app.client.enroll(await gw.invite('unreachable@example.com'));
    if (enrolled.kind !== 'enrolled') throw new Error('not enrolled');
    await gw.stop({ keepData: true });

    const refusal = await app.client.signOut().then(() => null, (error: unknown) => error as { code?: string; message?: string });
    expect(refusal?.code).toBe('network_error');
    expect(refusal?.message).toMatch(/^The gateway is not reachable\. The gateway still lists this device as active/);
    expect(refusal?.message).not.toMatch(/ECONNREFUSED/);
    expect(await keychainEntry(gw.url)).not.toBeNull();
    expect(app.client.state().kind).toBe('enrolled');

    await app.client.signOut({ localOnly: true });
    expect(app.client.state().kind).toBe('not-enrolled');
    expect(await keychainEntry(gw.url)).toBeNull();
  });

  it('keeps conversations in memory only with chatHistory "none": nothing written, no key', async () => {
    const gw = await startGateway({ policy: { chatHistory: 'none' }, env: { AIRLOCK_DEMO_TOKENS_PER_SECOND: '0' } });
    gateways.push(gw);
    const app = await startApp({ gateway: gw.url });
    apps.push(app);
    await app.client.enroll(await gw.invite('none@example.com'));
    const before = (await filesUnder(app.dataDir)).map((f) => f.path);
    const chat = app.client.conversations.create();
    app.client.conversations.send({ conversationId: chat.id, model: 'airlock-demo', text: 'a secret plan for nobody' });
    await answered(app, chat.id);
    const answer = app.client.conversations.get(chat.id)!.turns[1]!;
    expect(answer).toMatchObject({ role: 'assistant', status: 'complete', model: 'airlock-demo' });

    const files = await filesUnder(app.dataDir);
    expect(files.map((f) => f.path)).toEqual(before);
    for (const file of files) expect(file.content.includes(Buffer.from('secret plan'))).toBe(false);
    expect(await createKeytarKeychain().get(HISTORY_KEY_SERVICE, gw.url)).toBeNull();
    expect((await app.client.deviceStatus()).history).toEqual({ policy: 'none', kept: false, problem: null });
  });
});
