import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { electronZipUrl, localElectronDist } from '../../../build/electron-source.js';

const repo = path.resolve(import.meta.dirname, '../../..');
let server: Server;
let mirror: string;
const asked: string[] = [];

beforeAll(async () => {
  // A loopback Electron mirror that has nothing: the same answer a blocked download gives, without depending on this network.
  server = createServer((req, res) => {
    asked.push(`${req.method} ${req.url}`);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/electron/`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('npm run package (build/package.ts)', () => {
  it('stops with one line when Electron cannot be downloaded', async () => {
    // Another OS than this one, so a locally installed Electron is never used and the download is needed.
    const os = process.platform === 'win32' ? '--linux' : '--win';
    const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(repo, 'build/package.ts'), os, '--arch', 'x64'], {
      cwd: repo,
      env: { ...process.env, ELECTRON_MIRROR: mirror },
    }).then(
      () => null,
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(result).not.toBeNull();
    expect(result!.code).toBe(1);
    expect(result!.stdout).toBe('');
    const lines = result!.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^package: stopped: Electron \d+\.\d+\.\d+ for (win|linux)-x64 cannot be downloaded here \(.*HTTP 404\)/);
    expect(asked).toEqual([expect.stringMatching(/^HEAD \/electron\/v\d+\.\d+\.\d+\/electron-v\d+\.\d+\.\d+-(win32|linux)-x64\.zip$/)]);
  }, 60_000);

  it('finds the Electron zip and a local Electron the way electron-builder does', () => {
    expect(electronZipUrl('45.4.1', 'mac', 'arm64', {})).toBe('https://github.com/electron/electron/releases/download/v45.4.1/electron-v45.4.1-darwin-arm64.zip');
    expect(electronZipUrl('45.4.1', 'win', 'x64', { ELECTRON_MIRROR: 'https://mirror.example/e' })).toBe('https://mirror.example/e/v45.4.1/electron-v45.4.1-win32-x64.zip');
    expect(localElectronDist({ repoDir: repo, os: 'linux', arch: 'x64', given: 'some/dir' })).toBe(path.resolve('some/dir'));
    const other = process.platform === 'darwin' ? 'win' : 'mac';
    expect(localElectronDist({ repoDir: repo, os: other, arch: 'x64' })).toBeNull();
  });
});
