import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';

/** Writes `content` to a new temp file beside `path`, 0600 from creation and fsync'd; returns its name (rename it into place). */
export async function writePrivateTemp(path: string, content: string): Promise<string> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const file = await open(temp, 'wx', 0o600);
  try {
    await file.writeFile(content);
    await file.sync();
  } finally {
    await file.close();
  }
  return temp;
}
