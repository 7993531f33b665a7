import type { CaFiles } from '../../../../main/core/vault/ca-files.js';

/** CA files in memory (what vault/ca-files.ts keeps on disk), without the pin filter. */
export function memoryCaFiles(): CaFiles & { files: Map<string, string[]> } {
  const files = new Map<string, string[]>();
  return {
    files,
    read: async (gateway) => [...(files.get(gateway) ?? [])],
    write: async (gateway, caPems) => void files.set(gateway, [...caPems]),
    remove: async (gateway) => void files.delete(gateway),
  };
}
