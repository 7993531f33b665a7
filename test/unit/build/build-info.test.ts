import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readBuildInfo } from '../../../main/build-info/build-info.js';
import { evidence } from '../../../protocol/schemas/evidence.js';

let dir: string;
let asar: string;
const bytes = Buffer.alloc(3 * 1024 * 1024 + 17, 7);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'airlock-build-info-'));
  await mkdir(path.join(dir, 'resources'));
  asar = path.join(dir, 'resources', 'app.asar');
  bytes.write('asar header', 0);
  await writeFile(asar, bytes);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readBuildInfo', () => {
  it('hashes the whole app.asar the packaged app was loaded from, streamed', async () => {
    let chunks = 0;
    const info = await readBuildInfo({
      appPath: asar,
      isPackaged: true,
      createReadStream: (file) => {
        const stream = createReadStream(file);
        stream.on('data', () => chunks++);
        return stream;
      },
    });
    expect(info).toEqual({ buildId: createHash('sha256').update(bytes).digest('hex'), packaged: true, asarPath: asar });
    expect(chunks).toBeGreaterThan(1);
    expect(evidence.shape.buildId.safeParse(info.buildId).success).toBe(true);
  });

  it('reports dev for an unpackaged app, and for a packaged app not running from an archive', async () => {
    const neverRead = () => {
      throw new Error('must not read');
    };
    expect(await readBuildInfo({ appPath: path.join(dir, 'checkout'), isPackaged: false, createReadStream: neverRead })).toEqual({ buildId: 'dev', packaged: false, asarPath: null });
    expect(await readBuildInfo({ appPath: asar, isPackaged: false, createReadStream: neverRead })).toEqual({ buildId: 'dev', packaged: false, asarPath: null });
    expect(await readBuildInfo({ appPath: path.join(dir, 'resources', 'app'), isPackaged: true, createReadStream: neverRead })).toEqual({ buildId: 'dev', packaged: true, asarPath: null });
  });

  it('fails loudly when the archive cannot be read', async () => {
    await expect(readBuildInfo({ appPath: path.join(dir, 'missing', 'app.asar'), isPackaged: true, createReadStream: (f) => createReadStream(f) })).rejects.toThrow(/ENOENT/);
  });
});
