import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { runReleaseCli } from '../../../build/release/cli.js';
import { createReleaseManifest } from '../../../build/release/create-manifest.js';
import { b64uDecode, b64uEncode, fromUtf8, utf8 } from '../../../protocol/encoding.js';

const repo = path.resolve(import.meta.dirname, '../../..');

async function cli(argv: string[], env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runReleaseCli(argv, { stdout: (l) => out.push(l), stderr: (l) => err.push(l), env });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

let dir: string;
let manifestJson: string;
let jwsFile: string;
let keyFile: string;
let pubFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'airlock-release-cli-'));
  await mkdir(path.join(dir, 'out/linux-unpacked/resources'), { recursive: true });
  await writeFile(path.join(dir, 'out/Airlock-0.1.0.AppImage'), 'appimage bytes');
  await writeFile(path.join(dir, 'out/linux-unpacked/resources/app.asar'), 'asar bytes');
  const manifest = await createReleaseManifest({
    version: '0.1.0',
    buildId: 'e'.repeat(64),
    platform: 'linux',
    arch: 'x64',
    outputDir: path.join(dir, 'out'),
    artefacts: ['Airlock-0.1.0.AppImage', path.join(dir, 'out/linux-unpacked/resources/app.asar')],
    now: new Date('2025-01-01T00:00:00Z'),
  });
  expect(manifest.artefacts.map((a) => a.name)).toEqual(['Airlock-0.1.0.AppImage', 'linux-unpacked/resources/app.asar']);
  manifestJson = path.join(dir, 'out/airlock-0.1.0-linux-x64.manifest.json');
  jwsFile = manifestJson.replace(/\.json$/, '.jws');
  await writeFile(manifestJson, JSON.stringify(manifest));
  keyFile = path.join(dir, 'release-key.jwk');
  const keygen = await cli(['keygen', '--out', keyFile, '--json']);
  expect(keygen.code, keygen.stderr).toBe(0);
  pubFile = path.join(dir, 'release-key.pub.jwk');
  await writeFile(pubFile, JSON.stringify(JSON.parse(keygen.stdout).publicJwk));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('airlock-release keygen | sign | verify', () => {
  it('keygen writes a 0600 private JWK, refuses to overwrite it, and prints only the public key', async () => {
    const key = JSON.parse(await readFile(keyFile, 'utf8'));
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(key.d).toHaveLength(43);
    const { stat } = await import('node:fs/promises');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const again = await cli(['keygen', '--out', keyFile]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('refusing to overwrite');
    expect(JSON.parse(await readFile(pubFile, 'utf8')).d).toBeUndefined();
  });

  it('signs then verifies (round trip), with the key from a file or from AIRLOCK_RELEASE_KEY', async () => {
    const signed = await cli(['sign', manifestJson, '--key', keyFile, '--json']);
    expect(signed.code, signed.stderr).toBe(0);
    expect(JSON.parse(signed.stdout)).toMatchObject({ out: jwsFile, buildId: 'e'.repeat(64), artefacts: 2 });
    const verified = await cli(['verify', jwsFile, '--trusted-key', pubFile, '--json']);
    expect(verified.code, verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, buildId: 'e'.repeat(64), platform: 'linux', arch: 'x64', artefacts: 2 });

    const fromEnv = await cli(['sign', manifestJson, '--out', `${jwsFile}.env`], { AIRLOCK_RELEASE_KEY: await readFile(keyFile, 'utf8') });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    await writeFile(path.join(dir, 'policy.json'), JSON.stringify({ requireTrustedBuild: true, releaseKeys: [JSON.parse(await readFile(pubFile, 'utf8'))] }));
    const withPolicy = await cli(['verify', `${jwsFile}.env`, '--trusted-key', path.join(dir, 'policy.json'), '--artefacts', path.join(dir, 'out')]);
    expect(withPolicy.code, withPolicy.stderr).toBe(0);
    expect(withPolicy.stdout).toMatch(/^ok: linux-x64 0\.1\.0/);
  });

  it('refuses a manifest signed by an unknown key', async () => {
    const otherKey = path.join(dir, 'other.jwk');
    const other = await cli(['keygen', '--out', otherKey, '--json']);
    const otherPub = path.join(dir, 'other.pub.jwk');
    await writeFile(otherPub, JSON.stringify(JSON.parse(other.stdout).publicJwk));
    const result = await cli(['verify', jwsFile, '--trusted-key', otherPub]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('release_key_unknown');
  });

  it('refuses a modified manifest and an alg change', async () => {
    const jws = (await readFile(jwsFile, 'utf8')).trim();
    const [h, p, s] = jws.split('.') as [string, string, string];
    const payload = JSON.parse(fromUtf8(b64uDecode(p)));
    const modified = path.join(dir, 'out/modified.manifest.jws');
    await writeFile(modified, `${h}.${b64uEncode(utf8(JSON.stringify({ ...payload, version: '9.9.9' })))}.${s}`);
    const r1 = await cli(['verify', modified, '--trusted-key', pubFile]);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain('release_signature_invalid');

    const header = JSON.parse(fromUtf8(b64uDecode(h)));
    const algSwapped = path.join(dir, 'out/alg.manifest.jws');
    await writeFile(algSwapped, `${b64uEncode(utf8(JSON.stringify({ ...header, alg: 'ES512' })))}.${p}.${s}`);
    const r2 = await cli(['verify', algSwapped, '--trusted-key', pubFile]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('release_alg_refused');
  });

  it('refuses an artefact whose bytes changed, and a missing one; sign refuses a stale manifest', async () => {
    const copy = path.join(dir, 'copy');
    await mkdir(path.join(copy, 'linux-unpacked/resources'), { recursive: true });
    await writeFile(path.join(copy, 'Airlock-0.1.0.AppImage'), 'appimage byteS');
    await writeFile(path.join(copy, 'linux-unpacked/resources/app.asar'), 'asar bytes');
    const changed = await cli(['verify', jwsFile, '--trusted-key', pubFile, '--artefacts', copy]);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain('release_artefact_mismatch');
    expect(changed.stderr).toContain('Airlock-0.1.0.AppImage');

    await rm(path.join(copy, 'linux-unpacked/resources/app.asar'));
    const missing = await cli(['verify', jwsFile, '--trusted-key', pubFile, '--artefacts', copy]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('release_artefact_missing');

    const stale = await cli(['sign', manifestJson, '--key', keyFile, '--artefacts', copy, '--out', path.join(dir, 'stale.jws')]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/release_artefact_(mismatch|missing)/);
  });

  it('refuses a key file others can read, a missing key, and verify with no trusted key', async () => {
    const loose = path.join(dir, 'loose.jwk');
    await writeFile(loose, await readFile(keyFile, 'utf8'));
    await chmod(loose, 0o644);
    const r1 = await cli(['sign', manifestJson, '--key', loose, '--out', path.join(dir, 'x.jws')]);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain('chmod 600');
    const r2 = await cli(['sign', manifestJson, '--out', path.join(dir, 'y.jws')], {});
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('No release key');
    const r3 = await cli(['sign', manifestJson, '--out', path.join(dir, 'z.jws')], { AIRLOCK_RELEASE_KEY: '{"kty":"EC","crv":"P-256","x":"secret-looking"}' });
    expect(r3.code).toBe(1);
    expect(r3.stderr).not.toContain('secret-looking');
    const r4 = await cli(['verify', jwsFile]);
    expect(r4.code).toBe(2);
    expect(r4.stderr).toContain('--trusted-key');
  });

  it('runs as the bin/airlock-release.mjs shim', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(repo, 'bin/airlock-release.mjs'), 'verify', jwsFile, '--trusted-key', pubFile, '--json'], { cwd: repo });
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, buildId: 'e'.repeat(64) });
    const failed = await promisify(execFile)(process.execPath, [path.join(repo, 'bin/airlock-release.mjs'), 'verify', jwsFile, '--trusted-key', path.join(dir, 'other.pub.jwk')], { cwd: repo }).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toContain('release_key_unknown');
  });
});
