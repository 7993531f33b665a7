import { z } from 'zod';
import { isoTime, sha256Hex } from '../schemas/common.js';
import { appVersion, platform } from '../schemas/evidence.js';

/** Release manifests are compact JWS with this `typ`, so no other Airlock JWS can pass as one. */
export const RELEASE_TYP = 'airlock-release+jwt';

/**
 * An artefact's name, relative to the release folder. It is joined to a folder by whoever checks
 * the files, so it may never climb out of it: no absolute paths, no `..`, no backslashes.
 */
export const artefactName = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[A-Za-z0-9._+ -]+(?:\/[A-Za-z0-9._+ -]+)*$/, 'must be a relative path of letters, digits, space and ._+-')
  .refine((name) => name.split('/').every((segment) => segment !== '.' && segment !== '..'), 'must not contain . or .. segments');

export const releaseArtefact = z.strictObject({
  name: artefactName,
  sha256: sha256Hex,
  size: z.number().int().nonnegative(),
});
export type ReleaseArtefact = z.infer<typeof releaseArtefact>;

/** electron-builder's arch names. */
export const releaseArch = z.enum(['x64', 'arm64', 'ia32', 'armv7l', 'universal']);
export type ReleaseArch = z.infer<typeof releaseArch>;

/** What a signed release says: one platform and arch, the packaged app.asar's hash, every file shipped. */
export const releaseManifest = z.strictObject({
  version: appVersion,
  /** Hex SHA-256 of the packaged app.asar: what the app reports as `buildId` in its evidence. */
  buildId: sha256Hex,
  platform,
  arch: releaseArch,
  artefacts: z
    .array(releaseArtefact)
    .min(1)
    .max(100_000)
    .refine((list) => new Set(list.map((a) => a.name)).size === list.length, 'artefact names must be unique'),
  createdAt: isoTime,
});
export type ReleaseManifest = z.infer<typeof releaseManifest>;

/** The protected header: the key is named by its RFC 7638 thumbprint, never embedded. */
export const releaseHeader = z.strictObject({
  alg: z.literal('ES256'),
  typ: z.literal(RELEASE_TYP),
  kid: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be an RFC 7638 SHA-256 thumbprint'),
});
export type ReleaseHeader = z.infer<typeof releaseHeader>;
