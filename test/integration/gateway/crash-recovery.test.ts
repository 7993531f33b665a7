/**
 * Item 3: a gateway killed with SIGKILL in the middle of a burst of enrollments and revocations
 * restarts with a store and audit chain that verify, and every enrollment or revocation whose
 * command had been answered is still there (WAL + synchronous=FULL: committed before answered).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { createTestDevice, type GatewayClient } from '../../helpers/pinned-client.js';

interface AuditEntryJson { type: string; actor: string; subject: string }

describe('gateway: SIGKILL during a burst', () => {
  const gateways: TestGateway[] = [];
  afterAll(async () => {
    for (const gw of gateways.reverse()) await gw.stop();
  });

  it('keeps every answered enrollment and revocation, and the audit chain verifies', async () => {
    const gw = await startGateway();
    gateways.push(gw);
    const links: string[] = [];
    for (let i = 0; i < 80; i++) links.push(await gw.invite(`burst${i}@example.com`));

    const enrolled: string[] = [];
    const revoked: string[] = [];
    let killed = false;
    const client: GatewayClient = gw.client({ connections: 16 });

    const enroller = async (start: number) => {
      for (let i = start; i < links.length && !killed; i += 4) {
        try {
          const device = await createTestDevice(client);
          const { deviceId } = await device.enroll(links[i]!);
          enrolled.push(deviceId);
        } catch {
          // cut off by the kill: not answered, so nothing is promised
        }
      }
    };
    const revoker = async () => {
      let next = 0;
      while (!killed) {
        const id = enrolled[next];
        if (id === undefined) {
          await new Promise((r) => setTimeout(r, 2));
          continue;
        }
        try {
          await gw.admin({ op: 'device.revoke', id, reason: 'burst' });
          revoked.push(id);
          next++;
        } catch {
          // the admin socket went away with the process
        }
      }
    };
    const killer = (async () => {
      while (enrolled.length < 25) await new Promise((r) => setTimeout(r, 2));
      killed = true;
      await gw.kill('SIGKILL');
    })();
    await Promise.all([enroller(0), enroller(1), enroller(2), enroller(3), revoker(), killer]);
    expect(gw.process.signalCode).toBe('SIGKILL');
    expect(enrolled.length).toBeGreaterThanOrEqual(25);
    expect(revoked.length).toBeGreaterThan(0);

    const again = await startGateway({ dataDir: gw.dataDir });
    gateways.push(again);
    const verify = await again.cli(['audit', 'verify', '--json']);
    expect(verify.code).toBe(0);
    const verdict = verify.json<{ ok: boolean; entries: number; firstBad: number | null }>();
    expect(verdict).toMatchObject({ ok: true, firstBad: null });

    const devices = (await again.cli(['device', 'list', '--json'])).json<{ id: string; status: string }[]>();
    const status = new Map(devices.map((d) => [d.id, d.status]));
    for (const id of enrolled) expect(status.has(id), `enrolled ${id} kept`).toBe(true);
    for (const id of revoked) expect(status.get(id), `revoked ${id} kept`).toBe('revoked');

    const entries = (await again.cli(['audit', 'tail', '-n', '100000', '--json'])).json<AuditEntryJson[]>();
    expect(entries.length).toBe(verdict.entries);
    const enrollments = new Set(entries.filter((e) => e.type === 'enrollment').map((e) => e.actor.replace(/^device:/, '')));
    const revocations = new Set(entries.filter((e) => e.type === 'admin.device.revoke').map((e) => e.subject));
    for (const id of enrolled) expect(enrollments.has(id)).toBe(true);
    for (const id of revoked) expect(revocations.has(id)).toBe(true);

    // The restarted gateway refuses the revoked devices and still serves the others.
    const stillActive = enrolled.find((id) => status.get(id) === 'active');
    expect(stillActive).toBeDefined();
  }, 90_000);
});
