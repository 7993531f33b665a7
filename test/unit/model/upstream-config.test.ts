import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseUpstreams, readUpstreamsFile, resolveApiKey, upstreamsFromFlag, UpstreamConfigError } from '../../../gateway/model/upstream-config.js';
import { createModelCatalog } from '../../../gateway/model/catalog.js';

const SECRET = 'sk-very-secret-value-42';

describe('upstreams.json', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-upstreams-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names the file and the field in errors', async () => {
    await writeFile(join(dir, 'upstreams.json'), JSON.stringify({ upstreams: [{ kind: 'openai', name: 'a', baseUrl: 'http://models.example/v1', models: [{ id: 'm' }] }] }));
    const error = await readUpstreamsFile(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamConfigError);
    expect((error as Error).message).toContain(`${join(dir, 'upstreams.json')}: upstreams[0].baseUrl: must be an https URL`);
    expect(() => parseUpstreams('f', { upstreams: [{ kind: 'openai', name: 'a', baseUrl: 'https://x.example/v1', models: [{ id: 'm', extra: 1 }] }] })).toThrow(/upstreams\[0\]\.models\[0\]/);
    expect(() => parseUpstreams('f', { upstreams: [{ kind: 'demo' }, { kind: 'openai', name: 'a', baseUrl: 'https://x.example/v1', models: [{ id: 'airlock-demo' }] }] })).toThrow(/offered twice/);
  });

  it('returns null when there is no file, and accepts http only to loopback', async () => {
    expect(await readUpstreamsFile(join(dir, 'nothing'))).toBeNull();
    expect(parseUpstreams('f', { upstreams: [{ kind: 'openai', name: 'a', baseUrl: 'http://127.0.0.1:8000/v1', models: [{ id: 'm' }] }] }).upstreams[0]!.kind).toBe('openai');
    expect(() => parseUpstreams('f', { upstreams: [{ kind: 'openai', name: 'a', baseUrl: 'https://user:pw@x.example/v1', models: [{ id: 'm' }] }] })).toThrow(/baseUrl/);
  });

  it('reads the key from a file or the environment, and never puts a key in an error', async () => {
    const keyFile = join(dir, 'key');
    await writeFile(keyFile, `${SECRET}\n`);
    const fromFile = parseUpstreams('f', { upstreams: [{ kind: 'openai', name: 'a', baseUrl: 'https://x.example/v1', apiKey: { file: keyFile }, models: [{ id: 'm' }] }] }).upstreams[0]!;
    expect(fromFile.kind === 'openai' && (await resolveApiKey(fromFile))).toBe(SECRET);
    const fromEnv = upstreamsFromFlag('https://x.example/v1', { models: ['m'], env: { AIRLOCK_UPSTREAM_API_KEY: '' } }).upstreams[0]!;
    expect(upstreamsFromFlag('https://x.example/v1', { models: ['m'], env: {} }).upstreams[0]).not.toHaveProperty('apiKey');
    expect(fromEnv.kind === 'openai' && (await resolveApiKey(fromEnv, { AIRLOCK_UPSTREAM_API_KEY: SECRET }))).toBe(SECRET);
    const missing = fromEnv.kind === 'openai' ? await resolveApiKey(fromEnv, {}).catch((e: unknown) => e) : null;
    expect((missing as Error).message).toContain('AIRLOCK_UPSTREAM_API_KEY');
    await writeFile(keyFile, '');
    const empty = fromFile.kind === 'openai' ? await resolveApiKey(fromFile).catch((e: unknown) => e) : null;
    expect((empty as Error).message).toMatch(/is empty/);
    expect((empty as Error).message).not.toContain(SECRET);
  });

  it('lists only the models a tester may use, the demo labelled', async () => {
    const catalog = await createModelCatalog(parseUpstreams('f', {
      upstreams: [
        { kind: 'demo', testers: ['*'] },
        { kind: 'openai', name: 'a', baseUrl: 'http://127.0.0.1:1/v1', models: [{ id: 'secret-model', testers: ['alice@example.com'] }, { id: 'open', upstreamId: 'open-v2' }] },
      ],
    }));
    try {
      expect(catalog.list('bob@example.com').map((m) => m.id)).toEqual(['airlock-demo', 'open']);
      expect(catalog.list('ALICE@example.com').map((m) => m.id)).toContain('secret-model');
      expect(catalog.list('bob@example.com')[0]).toMatchObject({ airlock_demo: true, object: 'model' });
      expect(catalog.resolve('secret-model', 'bob@example.com')).toBeNull();
      expect(catalog.resolve('open', 'bob@example.com')?.upstreamId).toBe('open-v2');
    } finally {
      await catalog.close();
    }
  });
});
