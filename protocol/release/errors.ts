/**
 * Why a release manifest was refused. These never cross the wire: the release CLI prints them and
 * the gateway maps them to `bad_request` when an admin tries to admit a manifest. Callers branch
 * on `code`, never on the message text.
 */
export const RELEASE_ERRORS = {
  release_malformed: 'The release manifest is malformed.',
  release_alg_refused: 'The release manifest is not signed with ES256; every other alg is refused.',
  release_key_unknown: 'The release manifest is signed by a key that is not trusted.',
  release_signature_invalid: 'The release manifest signature does not verify: it was modified after signing.',
  release_artefact_missing: 'An artefact listed in the release manifest is missing.',
  release_artefact_mismatch: 'An artefact differs from the hash or size in the release manifest.',
  release_key_invalid: 'The release key is not a usable ES256 (P-256) key.',
} as const satisfies Record<string, string>;

export type ReleaseErrorCode = keyof typeof RELEASE_ERRORS;

export class ReleaseError extends Error {
  readonly code: ReleaseErrorCode;

  constructor(code: ReleaseErrorCode, detail?: string) {
    super(detail === undefined ? RELEASE_ERRORS[code] : `${RELEASE_ERRORS[code]} ${detail}`);
    this.name = 'ReleaseError';
    this.code = code;
  }
}

export function isReleaseError(value: unknown, code?: ReleaseErrorCode): value is ReleaseError {
  return value instanceof ReleaseError && (code === undefined || value.code === code);
}

/** One zod issue as `path: message`, for error details. */
export function describeIssue(issue: { path: PropertyKey[]; message: string } | undefined): string {
  if (issue === undefined) return '';
  const where = issue.path.map(String).join('.');
  return where === '' ? issue.message : `${where}: ${issue.message}`;
}
