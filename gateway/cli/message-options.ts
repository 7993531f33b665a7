import { str, type OptionSpec, type OptionValues } from './command.js';
import { flag, text } from './options.js';

/** `--message` (shown to the tester), `--note` (audit only), and `--reason`, the older name of `--message`. */
export const MESSAGE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  message: { type: 'string', value: 'TEXT', help: 'shown to the tester in the app (and kept in the audit log)' },
  note: { type: 'string', value: 'TEXT', help: 'for admins only: kept in the audit log, never shown to the tester' },
  reason: { type: 'string', value: 'TEXT', help: '', aliasOf: 'message' },
};

/** The two texts as checked flags: `message` (at most 500 characters) and `note` (2000). */
export function messageAndNote(values: OptionValues): { message?: string; note?: string } {
  return {
    ...(str(values.message) ? { message: flag('message', text(500), values.message) } : {}),
    ...(str(values.note) ? { note: flag('note', text(2000), values.note) } : {}),
  };
}

/** The same for a revocation or suspension, whose shown text the admin socket calls `reason`. */
export function revocationTexts(values: OptionValues): { reason?: string; note?: string } {
  const { message, note } = messageAndNote(values);
  return { ...(message === undefined ? {} : { reason: message }), ...(note === undefined ? {} : { note }) };
}
