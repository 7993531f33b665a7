/**
 * `DATA/upstreams.json`: which OpenAI-compatible servers the gateway fronts, where each one's API
 * key comes from, the models offered and who may use them. Checked with zod at start; an error
 * names the file and the field. The key itself is read here and handed only to the transport:
 * it is never logged, never part of an error, never sent to a client.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { email } from '../../protocol/schemas/common.js';

export const DEMO_MODEL_ID = 'airlock-demo';
export const UPSTREAM_KEY_ENV = 'AIRLOCK_UPSTREAM_API_KEY';
export const UPSTREAM_KEY_FILE_ENV = 'AIRLOCK_UPSTREAM_API_KEY_FILE';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** https anywhere; plain http only to a server on this machine, so the key never crosses a network in clear. */
export const upstreamBaseUrl = z.string().max(2048).refine((value) => {
  try {
    const url = new URL(value);
    if (url.username || url.password || url.search || url.hash) return false;
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname));
  } catch {
    return false;
  }
}, 'must be an https URL (or http to a loopback address) with no credentials, query or fragment, such as https://models.example/v1');

const testerRule = z.union([z.literal('*'), email]);

export const upstreamModel = z.strictObject({
  /** The id testers see and send. */
  id: z.string().min(1).max(200).regex(/^[A-Za-z0-9._:/-]+$/, 'must be letters, digits and . _ : / -'),
  /** The id the upstream knows it by, when different. */
  upstreamId: z.string().min(1).max(200).optional(),
  /** Emails of testers allowed to use it, or "*" for every tester. */
  testers: z.array(testerRule).min(1).default(['*']),
});

const apiKeySource = z.union([
  z.strictObject({ file: z.string().min(1).max(4096) }),
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name') }),
]);

const timeouts = z.strictObject({
  /** No response headers and first body chunk within this → 504 upstream_timeout. */
  firstByteMs: z.number().int().min(10).max(600_000).default(30_000),
  /** No chunk for this long mid-stream → an SSE error event and a clean close. */
  idleMs: z.number().int().min(10).max(600_000).default(30_000),
});
const DEFAULT_TIMEOUTS = { firstByteMs: 30_000, idleMs: 30_000 };

export const openAiUpstream = z.strictObject({
  kind: z.literal('openai'),
  name: z.string().regex(/^[a-z0-9-]{1,40}$/, 'must be 1-40 lower-case letters, digits or -'),
  baseUrl: upstreamBaseUrl,
  /** Omit only for a local server that takes no key. */
  apiKey: apiKeySource.optional(),
  /** A PEM CA file for an upstream with a private CA (system roots otherwise); TLS is always verified. */
  caFile: z.string().min(1).max(4096).optional(),
  models: z.array(upstreamModel).min(1),
  timeouts: timeouts.default(DEFAULT_TIMEOUTS),
});

export const demoUpstream = z.strictObject({
  kind: z.literal('demo'),
  name: z.string().regex(/^[a-z0-9-]{1,40}$/).default('demo'),
  /** Tokens a second the demo streams at; 0 streams as fast as the client reads. */
  tokensPerSecond: z.number().min(0).max(100_000).default(40),
  testers: z.array(testerRule).min(1).default(['*']),
  timeouts: timeouts.default(DEFAULT_TIMEOUTS),
});

export const upstreamsFile = z.strictObject({
  upstreams: z.array(z.discriminatedUnion('kind', [openAiUpstream, demoUpstream])).min(1),
}).superRefine((file, ctx) => {
  const seen = new Set<string>();
  file.upstreams.forEach((upstream, i) => {
    const ids = upstream.kind === 'demo' ? [DEMO_MODEL_ID] : upstream.models.map((m) => m.id);
    ids.forEach((id, j) => {
      if (seen.has(id)) ctx.addIssue({ code: 'custom', path: ['upstreams', i, ...(upstream.kind === 'demo' ? [] : ['models', j, 'id'])], message: `model id "${id}" is offered twice` });
      seen.add(id);
    });
  });
});
export type UpstreamsFile = z.infer<typeof upstreamsFile>;
export type OpenAiUpstreamConfig = z.infer<typeof openAiUpstream>;
export type DemoUpstreamConfig = z.infer<typeof demoUpstream>;
export type UpstreamConfig = OpenAiUpstreamConfig | DemoUpstreamConfig;

/** Thrown for a bad upstream configuration; the message names the file and field, never a key. */
export class UpstreamConfigError extends Error {
  override readonly name = 'UpstreamConfigError';
}

function describeIssues(source: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => `${source}: ${issue.path.length ? issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('') : '(root)'}: ${issue.message}`)
    .join('\n');
}

export function parseUpstreams(source: string, json: unknown): UpstreamsFile {
  const parsed = upstreamsFile.safeParse(json);
  if (!parsed.success) throw new UpstreamConfigError(describeIssues(source, parsed.error));
  return parsed.data;
}

/**
 * What `serve --upstream` means: `demo`, or a URL whose key comes from the environment variable
 * AIRLOCK_UPSTREAM_API_KEY or the file named by AIRLOCK_UPSTREAM_API_KEY_FILE (neither: a local
 * server that takes no key), offering `models`: what the upstream lists (gateway/model/discovery.ts).
 * Never a name of the gateway's own: with none, the configuration is refused.
 */
export function upstreamsFromFlag(flag: string, options: { models?: string[]; env?: NodeJS.ProcessEnv; demoTokensPerSecond?: number } = {}): UpstreamsFile {
  if (flag === 'demo') {
    return parseUpstreams('--upstream', { upstreams: [{ kind: 'demo', ...(options.demoTokensPerSecond === undefined ? {} : { tokensPerSecond: options.demoTokensPerSecond }) }] });
  }
  const env = options.env ?? process.env;
  const keyFile = env[UPSTREAM_KEY_FILE_ENV];
  const apiKey = env[UPSTREAM_KEY_ENV] !== undefined ? { env: UPSTREAM_KEY_ENV } : keyFile ? { file: keyFile } : undefined;
  return parseUpstreams('--upstream', {
    upstreams: [{
      kind: 'openai',
      name: 'default',
      baseUrl: flag,
      ...(apiKey ? { apiKey } : {}),
      models: (options.models ?? []).map((id) => ({ id })),
    }],
  });
}

/** Reads `DATA/upstreams.json`; `null` when there is none (the caller then falls back to the flag or the demo). */
export async function readUpstreamsFile(dataDir: string): Promise<UpstreamsFile | null> {
  const path = join(dataDir, 'upstreams.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UpstreamConfigError(`${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UpstreamConfigError(`${path}: is not valid JSON`);
  }
  return parseUpstreams(path, json);
}

/**
 * The API key of one upstream. The error names where the key should have come from (file path or
 * variable name), never its value. An empty key is an error rather than a silent unauthenticated call.
 */
export async function resolveApiKey(upstream: OpenAiUpstreamConfig, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const source = upstream.apiKey;
  if (!source) return null;
  if ('env' in source) {
    const value = env[source.env]?.trim();
    if (!value) throw new UpstreamConfigError(`upstream "${upstream.name}": environment variable ${source.env} (apiKey.env) is not set`);
    return value;
  }
  let value: string;
  try {
    value = (await readFile(source.file, 'utf8')).trim();
  } catch (error) {
    throw new UpstreamConfigError(`upstream "${upstream.name}": key file ${source.file} (apiKey.file) cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!value) throw new UpstreamConfigError(`upstream "${upstream.name}": key file ${source.file} (apiKey.file) is empty`);
  return value;
}
