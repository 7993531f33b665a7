import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { FoundArtefact } from '../../protocol/release/artefacts.js';

/** Hex SHA-256 and size of one file, streamed so a 200 MB installer never sits in memory. */
export async function hashFile(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** The path of an artefact name inside `dir`; a name that would land outside it is refused. */
export function artefactPath(dir: string, name: string): string {
  const root = path.resolve(dir);
  const full = path.resolve(root, ...name.split('/'));
  if (!full.startsWith(root + path.sep)) throw new Error(`artefact name ${JSON.stringify(name)} escapes ${root}`);
  return full;
}

/** Measures the named artefacts under `dir`: `null` for a missing one or one that is not a regular file. */
export async function measureArtefacts(dir: string, names: readonly string[]): Promise<Map<string, FoundArtefact>> {
  const found = new Map<string, FoundArtefact>();
  for (const name of names) {
    const file = artefactPath(dir, name);
    const info = await lstat(file).catch(() => null);
    found.set(name, info?.isFile() ? await hashFile(file) : null);
  }
  return found;
}

/** Every regular file under `dir`, as `/`-separated relative names, sorted; symlinks are refused, not followed. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    for (const entry of await readdir(path.join(dir, rel), { withFileTypes: true })) {
      const name = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) await walk(name);
      else if (entry.isFile()) out.push(name);
      else throw new Error(`${name} in ${dir} is neither a file nor a folder; a release lists regular files only`);
    }
  }
  await walk('');
  return out.sort();
}
