import { AdminError } from '../admin/operations.js';
import { DataDirError } from '../config/data-dir.js';
import { ClusterUnavailableError } from '../cluster/gate.js';
import { BackupError } from '../backup/manifest.js';
import { CaRotationError } from '../tls/ca-rotation.js';
import { UpstreamDiscoveryError } from '../model/discovery.js';
import { UpstreamConfigError } from '../model/upstream-config.js';
import { GatewayConfigError } from '../origin/origin-config.js';
import { PublicOriginError } from '../origin/public-origin.js';
import { PolicyFileError } from '../policy/holder.js';
import { UnreachableError } from './admin-call.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { UsageError } from './usage-error.js';

/** How a failed command is reported: on stderr as one line of text, or as JSON with `--json`. */
export interface Failure {
  exit: ExitCode;
  code: 'usage' | 'not_found' | 'refused' | 'unavailable' | 'unreachable' | 'data_dir' | 'config' | 'internal';
  message: string;
  didYouMean?: string;
  hint?: string;
}

export function failureOf(error: unknown): Failure {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UsageError) {
    const hint = `Run "airlock-gateway ${error.command ? `${error.command} ` : ''}--help" for usage.`;
    return { exit: EXIT.usage, code: 'usage', message, hint, ...(error.didYouMean ? { didYouMean: error.didYouMean } : {}) };
  }
  if (error instanceof AdminError) return { exit: EXIT.failed, code: error.code === 'not_found' ? 'not_found' : error.code === 'unavailable' ? 'unavailable' : 'refused', message };
  if (error instanceof UnreachableError) return { exit: EXIT.unreachable, code: 'unreachable', message };
  if (error instanceof DataDirError) return { exit: EXIT.dataDir, code: 'data_dir', message };
  // The listen address and the public origin do not fit together: the command line must change.
  if (error instanceof CaRotationError) return { exit: EXIT.failed, code: 'refused', message };
  if (error instanceof BackupError) return { exit: EXIT.failed, code: 'refused', message };
  if (error instanceof PublicOriginError) return { exit: EXIT.usage, code: 'usage', message };
  if (error instanceof UpstreamDiscoveryError) return error.kind === 'unreachable' ? { exit: EXIT.unreachable, code: 'unreachable', message } : { exit: EXIT.failed, code: 'refused', message };
  if (error instanceof PolicyFileError || error instanceof UpstreamConfigError || error instanceof GatewayConfigError) return { exit: EXIT.dataDir, code: 'config', message };
  if (error instanceof ClusterUnavailableError) return { exit: EXIT.unreachable, code: 'unreachable', message };
  return { exit: EXIT.internal, code: 'internal', message: `failed: ${message}` };
}

export function formatFailure(failure: Failure, json: boolean): string {
  if (json) return JSON.stringify({ error: failure });
  const lines = [`airlock-gateway: ${failure.message}`];
  if (failure.didYouMean) lines.push(`Did you mean "${failure.didYouMean}"?`);
  if (failure.hint) lines.push(failure.hint);
  return lines.join('\n');
}
