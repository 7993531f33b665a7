import { createRedactingLogger, type LogLine } from '../../../../main/core/log/redacting-logger.js';
import type { Logger } from '../../../../main/core/ports.js';

/** A logger that keeps its (redacted) lines, for assertions. */
export function memoryLogger(): Logger & { lines: LogLine[]; text(): string } {
  const lines: LogLine[] = [];
  const logger = createRedactingLogger((line) => lines.push(line));
  return { ...logger, lines, text: () => lines.map((l) => `${l.level} ${l.message} ${JSON.stringify(l.fields ?? {})}`).join('\n') };
}
