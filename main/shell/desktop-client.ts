import { mkdir } from 'node:fs/promises';
import type { AirlockClient } from '../core/api.js';
import { createAttestationCollector } from '../core/attestation/collector.js';
import { createAirlockClient } from '../core/client.js';
import { createKeytarKeychain } from '../core/keychain/keytar-keychain.js';
import { cryptoRandom, dataDirAt, nodeAttestationDeps, systemClock } from '../core/node-ports.js';
import type { Logger } from '../core/ports.js';
import { createTpmTools, tctiFrom } from '../core/tpm/tpm-tools.js';

export interface AppIdentity {
  appVersion: string;
  /** SHA-256 (hex) of the packaged app, or `dev`. */
  buildId: string;
  packaged: boolean;
}

/** The client core with the real keychain, clock, randomness, data directory and machine. */
/**
 * `gateway` pins the client to one gateway origin (only its keychain entry is loaded): for a build
 * made for one gateway, and for dev and tests that share a keychain with other enrollments.
 */
export async function createDesktopClient(options: { dataPath: string; app: AppIdentity; logger: Logger; gateway?: string; tpmTcti?: string }): Promise<AirlockClient> {
  await mkdir(options.dataPath, { recursive: true, mode: 0o700 });
  return createAirlockClient({
    keychain: createKeytarKeychain(),
    dataDir: dataDirAt(options.dataPath),
    clock: systemClock,
    random: cryptoRandom,
    logger: options.logger,
    attestation: createAttestationCollector(nodeAttestationDeps(options.app)),
    ...(options.gateway ? { gateway: options.gateway } : {}),
    // Linux first (issue 18): the TPM named by `tpmTcti` (tests), else TPM2TOOLS_TCTI, else the kernel's /dev/tpmrm0.
    ...(process.platform === 'linux' ? { tpm: { tools: createTpmTools({ tcti: tctiFrom(process.env, options.tpmTcti) }) } } : {}),
  });
}

/** One line per event on stderr; the core's logger already redacts secrets before this sees them. */
export function consoleLogger(prefix: string, minimum: 'debug' | 'info' | 'warn' | 'error' = 'info'): Logger {
  const order = ['debug', 'info', 'warn', 'error'] as const;
  const at = order.indexOf(minimum);
  const line = (level: (typeof order)[number]) => (message: string, fields?: Record<string, unknown>) => {
    if (order.indexOf(level) < at) return;
    process.stderr.write(`${prefix} ${level}: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);
  };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}
