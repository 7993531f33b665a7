/**
 * The gateway's pino logger: one JSON object a line on stderr (stdout carries the CLI's documented
 * output, whose first line `{"url","pin"}` scripts and tests parse), or pino-pretty's human lines
 * when the log goes to a terminal. Fastify logs through the same instance (`loggerInstance`).
 *
 * What may appear is decided twice: serializers that keep an allow-list of fields for the objects
 * fastify and pino know (`req`, `res`, `err`), and redaction of any field whose name says it holds
 * a secret or content, should a caller pass one by mistake.
 */
import { createRequire } from 'node:module';
import { pino, stdSerializers, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type PinoPretty from 'pino-pretty';

import type { LogFormat, LogLevel } from './levels.js';

/** Field names that hold a credential or a tester's content; censored at any of the first two levels. */
const SECRET_FIELDS = [
  'authorization',
  'dpop',
  'accessToken',
  'access_token',
  'token',
  'proof',
  'attestation',
  'inviteCode',
  'invite_code',
  'link',
  'apiKey',
  'api_key',
  'privateKey',
  'password',
  'secret',
  'cookie',
  'messages',
  'prompt',
  'completion',
  'body',
] as const;

export const REDACTED_PATHS: readonly string[] = SECRET_FIELDS.flatMap((name) => [name, `*.${name}`]);

/** Only what a request and a response may say in a log line: never headers, query strings or bodies. */
const serializers = {
  req: (request: { method?: string; routeOptions?: { url?: string } }) => ({ method: request.method, route: request.routeOptions?.url ?? null }),
  res: (reply: { statusCode?: number }) => ({ status: reply.statusCode }),
  err: (error: Error) => {
    const { type, message, stack, code } = stdSerializers.err(error) as { type: string; message: string; stack: string; code?: unknown };
    return code === undefined ? { type, message, stack } : { type, message, stack, code };
  },
};

export interface GatewayLoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Where lines go (tests); default stderr, written asynchronously so a slow reader never blocks a request. */
  destination?: DestinationStream;
}

/** pino-pretty, loaded only when a terminal wants it (a service never does, and its start stays shorter). */
function prettyStderr(): DestinationStream {
  const pinoPretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return pinoPretty({ destination: 2, sync: false, colorize: process.stderr.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
}

export function createGatewayLogger(options: GatewayLoggerOptions): PinoLogger {
  const destination = options.destination ?? (options.format === 'pretty' ? prettyStderr() : pino.destination({ fd: 2, sync: false }));
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers,
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    },
    destination,
  );
}
