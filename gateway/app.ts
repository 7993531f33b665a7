import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import rateLimit from '@fastify/rate-limit';
import { AirlockError } from '../protocol/errors.js';
import dpopAuth from './auth/dpop-auth.js';
import type { GatewayContext } from './context.js';
import { installErrorHandling } from './http/errors.js';
import { createRefusalDefence } from './refusals/plugin.js';
import { refusalSettingsFromEnv } from './refusals/settings.js';
import { httpsOptions } from './tls/https-options.js';
import { callTimingOn, markCall } from './server/call-timing.js';
import { lazyRequestLogger } from './server/lazy-request-logger.js';
import { RequestLogController } from './logging/request-log.js';
import { zodValidatorCompiler } from './http/schemas.js';
import { protectedRoutes } from './protected-routes.js';
import { enrollRoutes } from './routes/enroll.js';
import { healthzRoutes } from './routes/healthz.js';
import { sessionRoutes } from './routes/session.js';
import { tpmActivationRoute } from './tpm-attestation/activation-route.js';

/** What watches the app without being part of it: the log fastify writes to, and hooks such as metrics'. */
export interface AppObservers {
  /** The gateway's pino logger (logging/logger.ts): one line per request, fastify's own lines. */
  logger?: PinoLogger;
  /** Called on the root instance before any route is registered (hooks that see every request). */
  observe?: ReadonlyArray<(app: FastifyInstance) => void>;
}

/**
 * The composition root: one HTTPS fastify app (TLS 1.2 minimum, HTTP/1.1, no plain-HTTP port)
 * with one plugin per concern. Public routes sit at the root, rate-limited per client address;
 * the protected routes live in one encapsulated context whose onRequest hook is DPoP auth.
 */
export async function buildApp(gatewayCtx: GatewayContext, observers: AppObservers = {}): Promise<FastifyInstance> {
  // Refusals are rate-limited per address and audited as counted summaries (gateway/refusals/):
  // every plugin below is handed the audit log that does so.
  const defence = createRefusalDefence(gatewayCtx, refusalSettingsFromEnv());
  const ctx: GatewayContext = { ...gatewayCtx, audit: defence.audit };
  // Typed as fastify's base logger, so the instance keeps the type every plugin is written for.
  const loggerInstance: FastifyBaseLogger | undefined = observers.logger;
  const app = Fastify({
    https: httpsOptions(ctx.security.tls),
    ...(observers.logger && loggerInstance ? { loggerInstance, logController: new RequestLogController(observers.logger), childLoggerFactory: lazyRequestLogger } : { logger: false }),
    bodyLimit: ctx.config.bodyLimit,
    trustProxy: false,
    keepAliveTimeout: 75_000,
    requestTimeout: 120_000,
    forceCloseConnections: true,
    return503OnClosing: true,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    routerOptions: { ignoreTrailingSlash: false },
  });
  app.setValidatorCompiler(zodValidatorCompiler);
  // Issue 19's step timing (off unless AIRLOCK_CALL_TIMING is set): a call's first mark.
  if (callTimingOn) app.server.prependListener('request', (req: object) => markCall(req, 'request'));
  for (const observe of observers.observe ?? []) observe(app);
  installErrorHandling(app, ctx);
  await defence.install(app);

  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => new AirlockError('rate_limited', `Too many requests from this address. Wait ${context.after} and try again.`, { retryAfter: Math.ceil(context.ttl / 1000) }),
  });

  await app.register(healthzRoutes, { ctx });
  await app.register(enrollRoutes, { ctx });
  if (ctx.tpm) await app.register(tpmActivationRoute, { ctx, tpm: ctx.tpm });
  await app.register(sessionRoutes, { ctx });
  await app.register(async (authenticated) => {
    await authenticated.register(dpopAuth, { ctx });
    for (const plugin of protectedRoutes) await authenticated.register(plugin, { ctx });
  });
  return app;
}
export { TLS12_AEAD_CIPHERS } from './tls/https-options.js';
