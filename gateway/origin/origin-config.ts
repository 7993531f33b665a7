/**
 * `DATA/gateway.json`: the gateway's own configuration (today: its public origin). Written by
 * `init` and `origin set`, read by `serve` and by admin commands run while no gateway runs.
 * Mode 0600 like everything in the data directory; checked with zod, bounded in size.
 */
import { readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writePrivateTemp } from '../config/private-file.js';
import { publicOriginSetting, type PublicOriginSetting } from './public-origin.js';

export const GATEWAY_CONFIG_FILE = 'gateway.json';
const MAX_BYTES = 64 * 1024;

export const gatewayConfigFile = z.strictObject({
  publicOrigin: publicOriginSetting.optional(),
});
export type GatewayConfigFile = z.infer<typeof gatewayConfigFile>;

export class GatewayConfigError extends Error {
  override name = 'GatewayConfigError';
}

export async function readGatewayConfig(dataDir: string): Promise<GatewayConfigFile> {
  const path = join(dataDir, GATEWAY_CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new GatewayConfigError(`${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  if (text.length > MAX_BYTES) throw new GatewayConfigError(`${path} is larger than ${MAX_BYTES} bytes.`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new GatewayConfigError(`${path} is not valid JSON; fix it or set the origin again with "airlock-gateway origin set".`);
  }
  const parsed = gatewayConfigFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GatewayConfigError(`${path}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Replaces the file atomically (a temp file made 0600 from the start, then renamed over it). */
export async function writeGatewayConfig(dataDir: string, config: GatewayConfigFile): Promise<void> {
  const path = join(dataDir, GATEWAY_CONFIG_FILE);
  const temp = await writePrivateTemp(path, `${JSON.stringify(gatewayConfigFile.parse(config), null, 2)}\n`);
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export async function readPublicOrigin(dataDir: string): Promise<PublicOriginSetting | null> {
  return (await readGatewayConfig(dataDir)).publicOrigin ?? null;
}

export async function writePublicOrigin(dataDir: string, setting: PublicOriginSetting): Promise<void> {
  const current = await readGatewayConfig(dataDir);
  await writeGatewayConfig(dataDir, { ...current, publicOrigin: setting });
}
