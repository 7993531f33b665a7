import type { Logger as PinoLogger } from 'pino';
import type { LogLevel } from './logging/levels.js';
import { createGatewayLogger } from './logging/logger.js';

/**
 * The gateway's log as its code calls it: a message, then fields. Underneath is pino
 * (logging/logger.ts), the instance fastify logs through too, so every line is one JSON object on
 * stderr. Never pass a token, proof, key, invite code, prompt or upstream API key in `fields`
 * (the logger censors fields with such names, but a value under another name would go out).
 */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type { LogLevel, LogFormat } from './logging/levels.js';

/** The message-first interface over a pino logger (pino takes the fields first). */
export function messageFirst(pino: PinoLogger): Logger {
  return {
    info: (message, fields) => (fields ? pino.info(fields, message) : pino.info(message)),
    warn: (message, fields) => (fields ? pino.warn(fields, message) : pino.warn(message)),
    error: (message, fields) => (fields ? pino.error(fields, message) : pino.error(message)),
  };
}

/** A logger of its own (tools, tests): the gateway's pino logger at `level`, JSON lines on stderr. */
export function createLogger(level: LogLevel = 'info'): Logger {
  return messageFirst(createGatewayLogger({ level, format: 'json' }));
}
