import { readFile } from 'node:fs/promises';
import { policy as policySchema, type Policy } from '../../protocol/schemas/policy.js';
import { tpmEkCaErrors } from '../tpm-attestation/ek-certificate.js';

export class PolicyFileError extends Error {
  override name = 'PolicyFileError';
}

/** Reads and schema-checks DATA/policy.json; the error names the file and the bad field. */
export async function loadPolicyFile(path: string): Promise<Policy> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new PolicyFileError(`${path}: ${error instanceof SyntaxError ? `not valid JSON (${error.message})` : 'cannot be read'}.`);
  }
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length > 0 ? issue.path.join('.') : (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '(top level)');
    throw new PolicyFileError(`${path}: field "${field}": ${issue.message}.`);
  }
  const [caError] = tpmEkCaErrors(parsed.data.tpmEkCAs);
  if (caError !== undefined) throw new PolicyFileError(`${path}: ${caError}.`);
  return parsed.data;
}

/** The policy in force; `reload` swaps it only when the new file is valid. */
export interface PolicyHolder {
  current(): Policy;
  /** Called after every successful change; returns an unsubscribe function. */
  onChange(listener: (policy: Policy) => void): () => void;
  /** Re-reads the file; throws PolicyFileError (and keeps the old policy) when it is invalid. */
  reload(): Promise<Policy>;
}

export async function createPolicyHolder(path: string): Promise<PolicyHolder> {
  let current = await loadPolicyFile(path);
  const listeners = new Set<(policy: Policy) => void>();
  return {
    current: () => current,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async reload() {
      current = await loadPolicyFile(path);
      for (const listener of listeners) {
        try {
          listener(current);
        } catch {
          // One failing listener must not stop the others from hearing of the change.
        }
      }
      return current;
    },
  };
}
