import { ReleaseError } from './errors.js';
import type { ReleaseArtefact } from './manifest.js';

/** What was found on disk for one artefact name; `null` when there is no such file. */
export type FoundArtefact = { sha256: string; size: number } | null;

/**
 * Compares the artefacts a manifest lists with what was measured on disk. Pure: the caller
 * hashes the files. Throws on the first missing file, then on the first hash or size mismatch,
 * naming the file; every listed artefact must have been measured.
 */
export function checkArtefacts(listed: readonly ReleaseArtefact[], found: ReadonlyMap<string, FoundArtefact>): void {
  for (const artefact of listed) {
    const actual = found.get(artefact.name);
    if (actual === undefined || actual === null) throw new ReleaseError('release_artefact_missing', `No file ${JSON.stringify(artefact.name)}.`);
  }
  for (const artefact of listed) {
    const actual = found.get(artefact.name)!;
    if (actual.size !== artefact.size || actual.sha256 !== artefact.sha256) {
      throw new ReleaseError(
        'release_artefact_mismatch',
        `${JSON.stringify(artefact.name)}: listed sha256 ${artefact.sha256} (${artefact.size} bytes), found ${actual.sha256} (${actual.size} bytes).`,
      );
    }
  }
}
