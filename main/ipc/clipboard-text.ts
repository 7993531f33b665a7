import type { ClientState } from '../core/api.js';

/** Where copied text goes: Electron's clipboard in the app, a stand-in in the dev preview. */
export interface Clipboard {
  writeText(text: string): void | Promise<void>;
}

/**
 * What the clipboard receives for a copy. With the watermark policy on, the screen names the tester,
 * device and time on every view; a copy carries the same line at its end, so pasted text stays as
 * traceable as a screenshot. With it off, the text exactly.
 */
export function clipboardText(text: string, state: ClientState, now: Date): { text: string; watermarked: boolean } {
  if (state.kind !== 'enrolled' || !state.policy.watermark) return { text, watermarked: false };
  const stamp = `${now.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return { text: `${text.replace(/\s+$/, '')}\n\n-- copied from Airlock by ${state.tester} (${state.deviceId}), ${stamp}\n`, watermarked: true };
}
