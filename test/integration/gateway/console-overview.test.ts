/**
 * The console's overview against a real gateway process: its device and tester counts (counted by
 * the store, not read as every record) say what the device and tester lists say.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleOverview } from '../../../protocol/schemas/console.js';
import { consoleRequest, openConsoleSession } from '../../helpers/console.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

describe('the console overview', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ args: ['--console-listen', '127.0.0.1:0'] });
  });
  afterAll(() => gw?.stop());

  it('counts active and revoked devices and testers as the lists do', async () => {
    const session = await openConsoleSession(gw);
    const overview = async () => {
      const res = await consoleRequest(session.base, 'GET', '/api/overview', { cookie: session.cookie });
      expect(res.status).toBe(200);
      return res.json<ConsoleOverview>();
    };
    expect(await overview()).toMatchObject({ devices: { active: 0, revoked: 0 }, testers: 0 });
    const client = gw.client();
    const devices = [await gw.enrolledDevice('ada@example.com', client), await gw.enrolledDevice('ada@example.com', client), await gw.enrolledDevice('bob@example.com', client)];
    await gw.admin({ op: 'device.revoke', id: devices[1]!.deviceId! });
    expect(await overview()).toMatchObject({ devices: { active: 2, revoked: 1 }, testers: 2 });
  });
});
