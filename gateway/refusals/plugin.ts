/**
 * The flood defences, as one root-level plugin of the HTTPS app:
 *  - connections over the per-address or total cap get a refusal that names the cap, then close;
 *  - an address that collects too many refusals is answered `rate_limited` before any other work,
 *    after a short delay (a flood loop then runs at that pace instead of the CPU's);
 *  - refusals are audited as counted summaries, written off the event loop.
 * `audit` is the gateway's audit log with `refusal` going through all of this; the app hands it
 * to every other plugin.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { AirlockError, type ErrorCode } from '../../protocol/errors.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { GatewayContext } from '../context.js';
import { createAddressGuard } from './address-guard.js';
import { countConnections } from './connection-caps.js';
import { createRefusalSummaries } from './refusal-summaries.js';
import type { RefusalSettings } from './settings.js';

/** Refusals that do not count against an address: limits a tester reached, and the answers to a blocked address. */
const NOT_COUNTED = new Set<ErrorCode>(['rate_limited']);

export interface RefusalDefence {
  audit: AuditLog;
  install(app: FastifyInstance): Promise<void>;
}

export function createRefusalDefence(ctx: Pick<GatewayContext, 'audit' | 'store' | 'clock' | 'log'>, settings: RefusalSettings): RefusalDefence {
  const guard = createAddressGuard(settings.refusalsPerMinute);
  const summaries = createRefusalSummaries({
    append: (entry) => ctx.store.appendAuditDeferred(entry),
    windowMs: settings.summaryWindowMs,
    maxKeys: 10_000,
    now: () => ctx.clock.nowMs(),
    onError: (error) => ctx.log.error('could not append a refusal to the audit log', { error: error instanceof Error ? error.message : String(error) }),
  });
  const audit: AuditLog = {
    ...ctx.audit,
    async refusal(code, actor, subject, details) {
      const client = typeof details?.client === 'string' ? details.client : 'unknown';
      if (!NOT_COUNTED.has(code)) guard.noteRefusal(client, ctx.clock.nowMs());
      await summaries.note({ code, actor, subject, client, ...(details ? { details } : {}) });
    },
  };

  const plugin = fp(async (app: FastifyInstance) => {
    const connections = countConnections(app.server, { perAddress: settings.maxConnectionsPerAddress, total: settings.maxConnections });
    app.addHook('onRequest', async (request, reply) => {
      const over = connections.overCap(request.raw.socket);
      if (over) {
        reply.header('connection', 'close');
        throw over === 'address'
          ? new AirlockError('rate_limited', `Too many connections from this address (at most ${settings.maxConnectionsPerAddress} open at once). Close some and try again.`, { retryAfter: 1 })
          : new AirlockError('unavailable', `The gateway has as many connections open as it takes (${settings.maxConnections}). Try again in a moment.`, { retryAfter: 1 });
      }
      const blockedMs = guard.blockedFor(request.ip, ctx.clock.nowMs());
      if (blockedMs > 0) {
        if (settings.blockedAnswerDelayMs > 0) await sleep(Math.min(blockedMs, settings.blockedAnswerDelayMs));
        throw new AirlockError('rate_limited', 'Too many refused requests from this address. Wait for the time in Retry-After, then check the app or command that sends them.', { retryAfter: Math.ceil(blockedMs / 1000) });
      }
    });
    app.addHook('onClose', async () => {
      await summaries.close();
    });
  }, { fastify: '5.x', name: 'airlock-refusal-defence' });

  return {
    audit,
    async install(app) {
      await app.register(plugin);
    },
  };
}
