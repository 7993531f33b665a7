import type { ElectronApplication } from 'playwright-core';

/** Replaces main's `dialog.showMessageBox` with one that answers `response` (0 Cancel, 1 confirm) and records what it showed. */
export async function answerDialogs(app: ElectronApplication, response: number): Promise<void> {
  await app.evaluate(({ dialog }, answer) => {
    const shown: unknown[] = ((globalThis as { airlockDialogs?: unknown[] }).airlockDialogs ??= []);
    (dialog as unknown as { showMessageBox: (...args: unknown[]) => Promise<{ response: number; checkboxChecked: boolean }> }).showMessageBox = async (...args: unknown[]) => {
      shown.push(args.at(-1));
      return { response: answer, checkboxChecked: false };
    };
  }, response);
}
