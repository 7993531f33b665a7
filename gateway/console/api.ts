/**
 * The console API: what the console pages read and the actions they take. Every action is an
 * admin operation (the same ones the CLI sends over the admin socket), run with the console
 * session's OS user as the actor, so the console can do nothing the CLI cannot, and the audit log
 * says who did it and that it came through the console. Reads that the operations do not offer
 * (live connection counts, a filtered audit page) come from the connection hub and the store.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import type { AdminRequest } from '../../protocol/schemas/admin.js';
import {
  consoleAuditQuery,
  consoleInviteBody,
  consoleLockBody,
  consoleNoteBody,
  consoleReasonBody,
  consoleUsageQuery,
  type ConsoleAuditEntry,
  type ConsoleAuditPage,
  type ConsoleDeviceDetail,
  type ConsoleDevicePage,
  type ConsoleDeviceRow,
  type ConsoleInviteCreated,
  type ConsoleInviteRow,
  type ConsoleLock,
  type ConsoleOverview,
  type ConsolePolicy,
  type ConsoleTesterRow,
  type ConsoleUsage,
  type ConsoleVerify,
} from '../../protocol/schemas/console.js';
import { lockId as lockIdSchema } from '../../protocol/schemas/admin.js';
import { deviceId as deviceIdSchema, email as emailSchema, inviteId as inviteIdSchema } from '../../protocol/schemas/common.js';
import { TESTER_LIST_USAGE_DAYS, type AdminActor } from '../admin/operations.js';
import type { Clock } from '../context.js';
import type { ConnectionHub } from '../live/connection-hub.js';
import type { AuditEntry, Store } from '../store/store.js';
import { connectedDevices } from '../admin/status.js';
import { createDayFigures } from './day-figures.js';
import { toCsv } from './figures.js';
import { ConsoleHttpError, parseWith } from './errors.js';
import type { ConsoleSession } from './sessions.js';
import { createTesterUsage } from './tester-usage.js';

/** Runs one admin operation as `actor` (the session's OS user, via the console); throws the operations' AdminError on a refusal. */
export type RunAdmin = (request: AdminRequest, actor: AdminActor) => Promise<unknown>;

export interface ConsoleApiDeps {
  run: RunAdmin;
  store: Store;
  hub: ConnectionHub;
  clock: Clock;
  /** Where the policy in force was read from. */
  policySource: string;
  /** The last `audit verify` through this gateway (console or CLI), if any. */
  lastVerify: () => ConsoleVerify | null;
}

export interface ConsoleApi {
  register(app: FastifyInstance, sessionOf: (request: FastifyRequest) => ConsoleSession): void;
}

const CONNECTED_SHOWN = 50;
const PERIOD_MS = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;

const auditEntryOf = (e: AuditEntry): ConsoleAuditEntry => ({ seq: e.seq, time: e.time, type: e.type, actor: e.actor, subject: e.subject, details: JSON.parse(e.details) as unknown, prevHash: e.prevHash, hash: e.hash });

/** An AdminError (not_found, bad_request, unavailable) as the console's own error. */
function asConsoleError(error: unknown): unknown {
  if (error instanceof Error && error.name === 'AdminError') {
    const code = (error as Error & { code?: string }).code ?? 'bad_request';
    return new ConsoleHttpError(code === 'not_found' ? 404 : code === 'unavailable' ? 503 : 400, code, error.message);
  }
  return error;
}

export function createConsoleApi(deps: ConsoleApiDeps): ConsoleApi {
  async function op<T>(request: AdminRequest, session: ConsoleSession): Promise<T> {
    try {
      return (await deps.run(request, { osUser: session.osUser, via: 'console' })) as T;
    } catch (error) {
      throw asConsoleError(error);
    }
  }

  // Kept up to date by what the log gains; read once now, so the first overview is not the one that waits.
  const day = createDayFigures(deps.store);
  void day.at(deps.clock.nowMs()).catch(() => undefined);
  const week = createTesterUsage(deps.store, TESTER_LIST_USAGE_DAYS * 86_400_000);
  void week.at(deps.clock.nowMs()).catch(() => undefined);

  function connectionsOf(id: string) {
    return { channels: deps.hub.count({ deviceId: id, kind: 'events' }), streams: deps.hub.count({ deviceId: id, kind: 'stream' }) };
  }

  return {
    register(app, sessionOf) {
      app.get('/api/overview', async (request): Promise<ConsoleOverview> => {
        const session = sessionOf(request);
        const now = deps.clock.nowMs();
        // Plain store reads and the connection hub: the counts are counted by the store, not read
        // as every device and tester record, and only the 50 longest-connected devices are looked
        // up (what `status` would answer for all 200).
        const [figures, counts, head, connected] = await Promise.all([
          day.at(now),
          deps.store.enrolmentCounts(),
          deps.store.auditTail(1),
          connectedDevices({ store: deps.store, hub: deps.hub, nowMs: now, limit: CONNECTED_SHOWN }),
        ]);
        const last = head[0];
        return {
          connectedDevices: deps.hub.tracked().devices,
          openStreams: deps.hub.count({ kind: 'stream' }),
          openChannels: deps.hub.count({ kind: 'events' }),
          devices: { active: counts.activeDevices, revoked: counts.devices - counts.activeDevices },
          testers: counts.testers,
          ...figures,
          connected: connected.sort((a, b) => a.since.localeCompare(b.since)),
          audit: { head: last ? { seq: last.seq, hash: last.hash, time: last.time } : null, lastVerify: deps.lastVerify() },
        };
      });

      app.get('/api/devices', async (request): Promise<ConsoleDeviceRow[]> => {
        const session = sessionOf(request);
        const [devices, locks] = await Promise.all([op<Omit<ConsoleDeviceRow, 'channels' | 'streams' | 'locked'>[]>({ op: 'device.list' }, session), op<ConsoleLock[]>({ op: 'lock.list' }, session)]);
        const locked = new Set(locks.map((l) => l.target));
        return devices.map((d) => ({ id: d.id, tester: d.tester, status: d.status, platform: d.platform, enrolledAt: d.enrolledAt, lastSeenAt: d.lastSeenAt, ...connectionsOf(d.id), locked: locked.has(d.id) || locked.has(d.tester) }));
      });

      app.get<{ Params: { id: string } }>('/api/devices/:id', async (request): Promise<ConsoleDevicePage> => {
        const id = parseWith(deviceIdSchema, request.params.id, 'The device id');
        const device = await op<ConsoleDeviceDetail>({ op: 'device.show', id }, sessionOf(request));
        const [history, tester] = await Promise.all([deps.store.auditQuery({ text: id, limit: 50 }), deps.store.getTester(device.tester)]);
        return { device, testerStatus: tester?.status ?? 'unknown', history: history.map(auditEntryOf) };
      });

      app.post<{ Params: { id: string } }>('/api/devices/:id/revoke', async (request) => {
        const id = parseWith(deviceIdSchema, request.params.id, 'The device id');
        const { reason, note } = parseWith(consoleReasonBody, request.body, 'The revocation');
        const result = await op<unknown>({ op: 'device.revoke', id, ...(reason ? { reason } : {}), ...(note ? { note } : {}) }, sessionOf(request));
        return result;
      });

      app.post<{ Params: { id: string } }>('/api/devices/:id/lock', async (request) => {
        const id = parseWith(deviceIdSchema, request.params.id, 'The device id');
        return lock({ kind: 'device', id }, request.body, sessionOf(request));
      });

      app.get('/api/testers', async (request): Promise<ConsoleTesterRow[]> => {
        // `tester list`'s rows and 7-day usage, from plain store reads and the usage kept up to
        // date (tester-usage.ts), not a week of audit entries summed on every load.
        const [testers, usage, devices, locks] = await Promise.all([
          deps.store.listTesters(),
          week.at(deps.clock.nowMs()),
          deps.store.listDevices(),
          op<ConsoleLock[]>({ op: 'lock.list' }, sessionOf(request)),
        ]);
        const connected = new Map<string, number>();
        for (const d of devices) if (deps.hub.count({ deviceId: d.id }) > 0) connected.set(d.tester, (connected.get(d.tester) ?? 0) + 1);
        const testerLocks = new Map(locks.filter((l) => l.targetKind === 'tester').map((l) => [l.target, { id: l.id, message: l.message, expiresAt: l.expiresAt }] as const));
        return testers.map((t) => {
          const u = usage.get(t.email);
          return {
            email: t.email,
            status: t.status,
            devices: t.devices,
            connectedDevices: connected.get(t.email) ?? 0,
            requests: u?.requests ?? 0,
            promptTokens: u?.promptTokens ?? 0,
            completionTokens: u?.completionTokens ?? 0,
            lock: testerLocks.get(t.email) ?? null,
          };
        });
      });

      app.post<{ Params: { email: string } }>('/api/testers/:email/suspend', async (request) => {
        const email = parseWith(emailSchema, request.params.email, 'The tester');
        const { reason, note } = parseWith(consoleReasonBody, request.body, 'The suspension');
        const result = await op<unknown>({ op: 'tester.suspend', email, ...(reason ? { reason } : {}), ...(note ? { note } : {}) }, sessionOf(request));
        return result;
      });

      app.post<{ Params: { email: string } }>('/api/testers/:email/resume', async (request) => {
        const email = parseWith(emailSchema, request.params.email, 'The tester');
        const { note } = parseWith(consoleNoteBody, request.body, 'The resumption');
        const result = await op<unknown>({ op: 'tester.resume', email, ...(note ? { note } : {}) }, sessionOf(request));
        return result;
      });

      app.post<{ Params: { email: string } }>('/api/testers/:email/lock', async (request) => {
        const email = parseWith(emailSchema, request.params.email, 'The tester');
        return lock({ kind: 'tester', email }, request.body, sessionOf(request));
      });

      app.get('/api/locks', async (request): Promise<ConsoleLock[]> => op<ConsoleLock[]>({ op: 'lock.list' }, sessionOf(request)));

      app.post<{ Params: { id: string } }>('/api/locks/:id/remove', async (request) => {
        const id = parseWith(lockIdSchema, request.params.id, 'The lock id');
        const { note } = parseWith(consoleNoteBody, request.body, 'The lock removal');
        const result = await op<unknown>({ op: 'lock.remove', id, ...(note ? { note } : {}) }, sessionOf(request));
        return result;
      });

      async function lock(target: { kind: 'tester'; email: string } | { kind: 'device'; id: string }, body: unknown, session: ConsoleSession): Promise<unknown> {
        const { ttlSeconds, message, note, wipeHistory } = parseWith(consoleLockBody, body, 'The lock');
        const result = await op<unknown>({ op: 'lock.create', target, ...(ttlSeconds ? { ttlSeconds } : {}), ...(message ? { message } : {}), ...(note ? { note } : {}), ...(wipeHistory ? { wipeHistory } : {}) }, session);
        return result;
      }

      app.get('/api/invites', async (request): Promise<ConsoleInviteRow[]> => op<ConsoleInviteRow[]>({ op: 'invite.list' }, sessionOf(request)));

      app.post('/api/invites', async (request): Promise<ConsoleInviteCreated> => {
        const body = parseWith(consoleInviteBody, request.body, 'The invite');
        const created = await op<{ id: string; link: string; expiresAt: string }>({ op: 'invite.create', ...body }, sessionOf(request));
        const svg = await QRCode.toString(created.link, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
        return { ...created, message: inviteMessage(created.link, created.expiresAt), qr: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
      });

      app.post<{ Params: { id: string } }>('/api/invites/:id/revoke', async (request) => {
        const id = parseWith(inviteIdSchema, request.params.id, 'The invite id');
        const result = await op<unknown>({ op: 'invite.revoke', id }, sessionOf(request));
        return result;
      });

      app.get('/api/usage', async (request): Promise<ConsoleUsage> => usage(request.query, sessionOf(request)));
      app.get('/api/usage.csv', async (request, reply) => {
        const result = await usage(request.query, sessionOf(request));
        const csv = toCsv([result.by, 'requests', 'prompt_tokens', 'completion_tokens', 'refusals', 'cut'], result.rows.map((r) => [r.key, r.requests, r.promptTokens, r.completionTokens, r.refusals, r.cut]));
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="airlock-usage-by-${result.by}-since-${result.since.slice(0, 10)}.csv"`)
          .send(csv);
      });

      async function usage(query: unknown, session: ConsoleSession): Promise<ConsoleUsage> {
        const { since, by } = parseWith(consoleUsageQuery, query, 'The usage query');
        const from = new Date(deps.clock.nowMs() - PERIOD_MS[since]).toISOString();
        const rows = await op<ConsoleUsage['rows']>({ op: 'usage', since: from, by }, session);
        return { since: from, by, rows };
      }

      app.get('/api/audit', async (request): Promise<ConsoleAuditPage> => {
        const q = parseWith(consoleAuditQuery, request.query, 'The audit filter');
        const entries = await deps.store.auditQuery({
          limit: q.limit,
          ...(q.before !== undefined ? { beforeSeq: q.before } : {}),
          ...(q.type ? { typePrefix: q.type } : {}),
          ...(q.text ? { text: q.text } : {}),
          ...(q.since ? { since: q.since } : {}),
          ...(q.until ? { until: q.until } : {}),
        });
        const lastSeq = entries.at(-1)?.seq;
        return { entries: entries.map(auditEntryOf), next: entries.length === q.limit && lastSeq !== undefined && lastSeq > 1 ? lastSeq : null };
      });

      app.post('/api/audit/verify', async (request): Promise<ConsoleVerify> => {
        await op<unknown>({ op: 'audit.verify' }, sessionOf(request));
        return deps.lastVerify()!;
      });

      app.get('/api/policy', async (request): Promise<ConsolePolicy> => ({ policy: await op<unknown>({ op: 'policy.show' }, sessionOf(request)), source: deps.policySource }));
    },
  };
}

/** What an admin sends a new tester with the link (the CLI's `invite create` prints the same facts). */
export function inviteMessage(link: string, expiresAt: string): string {
  return [
    'You are invited to test with Airlock.',
    '',
    '1. Install the Airlock app (your admin tells you where to get it).',
    '2. Open this link on the computer you will test on; the app enrolls that computer:',
    `   ${link}`,
    `3. The link works once and expires at ${expiresAt}. Do not forward it.`,
  ].join('\n');
}
