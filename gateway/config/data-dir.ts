import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ownerRefusal } from './ownership.js';

/** Where everything of one gateway lives; the directory is 0700 and every secret in it 0600. */
export function dataPaths(dir: string) {
  return {
    dir,
    caCert: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    tokenKey: join(dir, 'token.key'),
    machineIdSalt: join(dir, 'machine-id.salt'),
    nonceSecret: join(dir, 'dpop-nonce.secret'),
    traceKey: join(dir, 'trace.key'),
    policy: join(dir, 'policy.json'),
    database: join(dir, 'airlock.db'),
    /** Leak tracing's fingerprints, beside the store so they never share its write lock (tracing/trace-database.ts). */
    traceDatabase: join(dir, 'trace.db'),
    adminSocket: join(dir, 'admin.sock'),
    /** `serve --workers N` only (gateway/workers/replay-file.ts). */
    replayDb: join(dir, 'replay.db'),
  };
}
export type DataPaths = ReturnType<typeof dataPaths>;

export class DataDirError extends Error {
  override name = 'DataDirError';
}

/**
 * Refuses a data directory (or a secret in it) that group or others may read or write, or that
 * another OS user owns (config/ownership.ts): the token key and CA key would let them mint
 * sessions or impersonate the gateway.
 */
export async function assertPrivate(path: string, kind: 'directory' | 'file'): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new DataDirError(`${path} does not exist. Run "airlock-gateway init --data ${kind === 'directory' ? path : '<dir>'}" first.`);
  }
  if (kind === 'directory' ? !info.isDirectory() : !info.isFile()) throw new DataDirError(`${path} is not a ${kind}.`);
  const refusal = ownerRefusal(path, info);
  if (refusal) throw new DataDirError(refusal);
  if ((info.mode & 0o077) !== 0) {
    throw new DataDirError(`${path} is accessible to group or others (mode ${(info.mode & 0o777).toString(8)}); run "chmod ${kind === 'directory' ? '700' : '600'} ${path}".`);
  }
}

export interface GatewaySecrets {
  tls: { cert: string; key: string; ca: string };
  caCertPem: string;
  tokenPrivateKey: KeyObject;
  tokenPublicKey: KeyObject;
  machineIdSalt: string;
  nonceSecret: Buffer;
}

/** Reads the secrets `init` made, after checking the directory and each file is private. */
export async function loadSecrets(paths: DataPaths): Promise<GatewaySecrets> {
  await assertPrivate(paths.dir, 'directory');
  const files = [paths.caCert, paths.serverCert, paths.serverKey, paths.tokenKey, paths.machineIdSalt, paths.nonceSecret];
  // The CA key and policy are not read here, but whoever owns them decides what the gateway trusts.
  for (const file of [...files, paths.policy]) await assertPrivate(file, 'file');
  if (await stat(paths.caKey).then(() => true, () => false)) await assertPrivate(paths.caKey, 'file');
  const [caCertPem, serverCertPem, serverKeyPem, tokenKeyPem, salt, nonce] = await Promise.all(files.map((f) => readFile(f, 'utf8')));
  const tokenPrivateKey = createPrivateKey(tokenKeyPem!);
  if (tokenPrivateKey.asymmetricKeyType !== 'ec' || tokenPrivateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new DataDirError(`${paths.tokenKey} is not a P-256 key.`);
  }
  const nonceSecret = Buffer.from(nonce!.trim(), 'base64url');
  if (nonceSecret.length < 32) throw new DataDirError(`${paths.nonceSecret} must hold at least 32 bytes.`);
  return {
    // The chain served is the server certificate then the CA (PROTOCOL.md, "Trust bootstrap").
    tls: { cert: `${serverCertPem!.trim()}\n${caCertPem!.trim()}\n`, key: serverKeyPem!, ca: caCertPem! },
    caCertPem: caCertPem!,
    tokenPrivateKey,
    tokenPublicKey: createPublicKey(tokenPrivateKey),
    machineIdSalt: salt!.trim(),
    nonceSecret,
  };
}
