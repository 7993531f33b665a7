import path from 'node:path';
import { releaseManifest, type ReleaseArch, type ReleaseManifest } from '../../protocol/release/manifest.js';
import type { Platform } from '../../protocol/schemas/evidence.js';
import { ReleaseError, describeIssue } from '../../protocol/release/errors.js';
import { measureArtefacts } from './measure.js';

export interface ManifestInput {
  version: string;
  buildId: string;
  platform: Platform;
  arch: ReleaseArch;
  /** The release folder artefact names are relative to. */
  outputDir: string;
  /** Files to list, absolute or relative to `outputDir`; each must be inside it. */
  artefacts: readonly string[];
  now: Date;
}

/** Hashes every artefact and returns the (unsigned) release manifest, schema-checked. */
export async function createReleaseManifest(input: ManifestInput): Promise<ReleaseManifest> {
  const root = path.resolve(input.outputDir);
  const names = input.artefacts.map((file) => path.relative(root, path.resolve(root, file)).split(path.sep).join('/'));
  const measured = await measureArtefacts(root, names);
  const artefacts = names.map((name) => {
    const found = measured.get(name);
    if (found === null || found === undefined) throw new ReleaseError('release_artefact_missing', `No file ${JSON.stringify(name)} in ${root}.`);
    return { name, ...found };
  });
  const manifest = releaseManifest.safeParse({
    version: input.version,
    buildId: input.buildId,
    platform: input.platform,
    arch: input.arch,
    artefacts,
    createdAt: input.now.toISOString(),
  });
  if (!manifest.success) throw new ReleaseError('release_malformed', describeIssue(manifest.error.issues[0]));
  return manifest.data;
}
