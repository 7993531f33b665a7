/**
 * fastify gives every request a pino child logger bound to its request id, built before the
 * request is routed. The gateway writes almost nothing through it (its one line per request comes
 * from the LogController, with the id among its fields), yet building the child cost 4 to 6 µs a
 * call (issue 19: the bindings serialised, the redaction set up). This factory hands fastify a
 * stand-in that builds the same child the first time anything logs through it, so a line written
 * through `request.log` is what it was, bindings and level included, and a request that writes
 * none builds none.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, LevelWithSilentOrString, LogFn } from 'pino';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
type Level = (typeof LEVELS)[number];

class LazyRequestLogger {
  private built: FastifyBaseLogger | null = null;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  /** The child fastify's own factory would have built, built once. */
  real(): FastifyBaseLogger {
    return (this.built ??= this.parent.child(this.bindings, this.options));
  }

  get level(): LevelWithSilentOrString {
    return this.built?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: LevelWithSilentOrString) {
    this.real().level = level;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real().child(bindings, options);
  }
}

// The level methods are shared on the prototype (no closures per request); each forwards to the child.
interface LazyRequestLogger extends Record<Level, LogFn> {}
for (const level of LEVELS) {
  Object.defineProperty(LazyRequestLogger.prototype, level, {
    value: function (this: LazyRequestLogger, ...args: unknown[]): void {
      const real = this.real();
      (real[level] as (...a: unknown[]) => void).apply(real, args);
    },
  });
}

/** fastify's `childLoggerFactory`: the request's child logger, built on first use. */
export function lazyRequestLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new LazyRequestLogger(logger, bindings, options);
}
