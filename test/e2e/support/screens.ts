import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';

export const SCREENSHOTS = path.resolve('test-results', 'screenshots');

/** Writes a screenshot artefact (test-results/ is git-ignored) and returns its path. */
export async function snap(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
