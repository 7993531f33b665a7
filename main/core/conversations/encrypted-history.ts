import { createHash } from 'node:crypto';
import { lstat, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { b64uDecode, b64uEncode } from '../../../protocol/encoding.js';
import { jsonOrUndefined } from '../json.js';
import type { Keychain, Logger, RandomBytes } from '../ports.js';
import { HISTORY_KEY_BYTES, openHistory, sealHistory } from './history-cipher.js';
import { historyFile, type Conversation } from './types.js';

/** The keychain service of the history keys: beside the device key (service `Airlock`), one per gateway. */
export const HISTORY_KEY_SERVICE = 'Airlock history';
/** The largest history file read back (100 conversations of long answers). */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Conversations at rest for `chatHistory: "encrypted"`: one AES-256-GCM file per gateway in the
 * app's data directory (mode 0600, written to a temporary file, fsync'd, renamed over), the key in
 * the OS keychain. `remove` deletes both; without the key the file is unreadable noise.
 */
export interface EncryptedHistory {
  /** The conversations kept for the gateway; empty when there is no file or key (a bad file is deleted). */
  load(gateway: string): Promise<Conversation[]>;
  save(gateway: string, conversations: readonly Conversation[]): Promise<void>;
  /** Deletes the file and the key. */
  remove(gateway: string): Promise<void>;
  /** Where the gateway's file is (tests look inside it). */
  fileFor(gateway: string): string;
}

export function createEncryptedHistory(deps: { keychain: Keychain; dir: string; random: RandomBytes; logger: Logger }): EncryptedHistory {
  const { keychain, dir, random, logger } = deps;
  const fileFor = (gateway: string) => path.join(dir, `history-${createHash('sha256').update(gateway).digest('hex').slice(0, 16)}.bin`);

  async function readKey(gateway: string): Promise<Uint8Array | null> {
    const secret = await keychain.get(HISTORY_KEY_SERVICE, gateway);
    if (secret === null) return null;
    const key = /^[A-Za-z0-9_-]{43}$/.test(secret) ? b64uDecode(secret) : null;
    if (key?.length !== HISTORY_KEY_BYTES) {
      logger.warn('history: the keychain holds a malformed history key; starting a new one');
      return null;
    }
    return key;
  }

  async function keyFor(gateway: string): Promise<Uint8Array> {
    const existing = await readKey(gateway);
    if (existing) return existing;
    const key = random(HISTORY_KEY_BYTES);
    await keychain.set(HISTORY_KEY_SERVICE, gateway, b64uEncode(key));
    return key;
  }

  /** Refuses a file that is a link, not a plain file, not ours or readable by others. */
  async function checkedSize(file: string): Promise<number | null> {
    const stat = await lstat(file).catch(() => null);
    if (stat === null) return null;
    const mine = process.getuid === undefined || stat.uid === process.getuid();
    if (!stat.isFile() || !mine || (stat.mode & 0o077) !== 0 || stat.size > MAX_FILE_BYTES) {
      throw new Error(`the history file ${file} is not a private file of this user; it was not read`);
    }
    return stat.size;
  }

  return {
    fileFor,

    async load(gateway) {
      const file = fileFor(gateway);
      if ((await checkedSize(file)) === null) return [];
      const key = await readKey(gateway);
      const text = key ? openHistory(key, gateway, await readFile(file)) : null;
      const parsed = historyFile.safeParse(text === null ? undefined : jsonOrUndefined(text));
      if (!parsed.success || parsed.data.gateway !== gateway) {
        logger.warn('history: the kept conversations could not be read (no key, altered, or another format); they are deleted');
        await rm(file, { force: true });
        return [];
      }
      return parsed.data.conversations;
    },

    async save(gateway, conversations) {
      const key = await keyFor(gateway);
      const body = historyFile.parse({ v: 1, gateway, conversations });
      const sealed = sealHistory(key, random(12), gateway, JSON.stringify(body));
      const file = fileFor(gateway);
      const temporary = `${file}.${b64uEncode(random(6))}.tmp`;
      const handle = await open(temporary, 'wx', 0o600);
      try {
        await handle.writeFile(sealed);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, file);
    },

    async remove(gateway) {
      await rm(fileFor(gateway), { force: true });
      await keychain.delete(HISTORY_KEY_SERVICE, gateway);
    },
  };
}
