import { listPackage } from '@electron/asar';
import { auditAsarEntries, normaliseEntry } from './audit.js';

/** Lists an app.asar (entries without a leading slash). */
export function listAsar(asarPath: string): string[] {
  return listPackage(asarPath, { isPack: false }).map(normaliseEntry);
}

/** Refuses an app.asar whose contents break the packaging rules. */
export function assertAsarContents(asarPath: string): void {
  const problems = auditAsarEntries(listAsar(asarPath));
  if (problems.length > 0) throw new Error(`${asarPath} is not fit to ship:\n  ${problems.join('\n  ')}`);
}
