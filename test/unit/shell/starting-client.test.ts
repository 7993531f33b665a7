import { describe, expect, it } from 'vitest';
import type { AirlockClient, ClientState } from '../../../main/core/api.js';
import { startingClient } from '../../../main/shell/starting-client.js';
import { createFakeClient } from '../../e2e/support/fake-client.js';

function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('the window before the client is ready', () => {
  it('is `starting` while the client is made (a slow keychain), then follows the real client', async () => {
    const ready = deferred<AirlockClient>();
    const client = startingClient(ready.promise, String);
    const seen: ClientState[] = [];
    client.onState((state) => seen.push(state));
    expect(client.state()).toEqual({ kind: 'starting' });
    await expect(Promise.resolve().then(() => client.listModels())).rejects.toMatchObject({ code: 'internal_error', message: /still starting/ });

    const real = createFakeClient();
    ready.resolve(real);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(client.state()).toEqual({ kind: 'not-enrolled' });
    real.revoke('r');
    expect(seen.map((s) => s.kind)).toEqual(['not-enrolled', 'revoked']);
  });

  it('shows a start failure in the window as `start-failed`, with what to do', async () => {
    const ready = deferred<AirlockClient>();
    const client = startingClient(ready.promise, (error) => `The app could not start (${(error as Error).message}). Restart it.`);
    const seen: ClientState[] = [];
    client.onState((state) => seen.push(state));
    ready.reject(new Error('EACCES: the data folder'));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(seen).toEqual([{ kind: 'start-failed', message: 'The app could not start (EACCES: the data folder). Restart it.' }]);
    await expect(Promise.resolve().then(() => client.deviceStatus())).rejects.toMatchObject({ message: /could not start/ });
  });
});

describe('conversation events subscribed before the client is ready', () => {
  it('reach the listener once the real client exists', async () => {
    const ready = deferred<AirlockClient>();
    const client = startingClient(ready.promise, String);
    const changes: unknown[] = [];
    client.conversations.onChange((change) => changes.push(change));
    const real = createFakeClient();
    let forward: ((change: never) => void) | null = null;
    const onChange = real.conversations.onChange.bind(real.conversations);
    real.conversations.onChange = (listener) => {
      forward = listener as (change: never) => void;
      return onChange(listener);
    };
    ready.resolve(real);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(forward).not.toBeNull();
    forward!({ kind: 'list', conversations: [] } as never);
    expect(changes).toEqual([{ kind: 'list', conversations: [] }]);
  });
});
