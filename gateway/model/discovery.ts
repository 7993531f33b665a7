/**
 * `serve --upstream URL`: which models the upstream has, read from its `GET /v1/models` at start,
 * so the gateway offers what the server really serves under the names the server gives them,
 * and never sends a model name of its own invention upstream. A failure is one line that says
 * what to fix; the gateway does not start on an upstream it cannot list.
 */
import { Agent, request } from 'undici';
import { z } from 'zod';
import { DEMO_MODEL_ID, readUpstreamsFile, resolveApiKey, upstreamModel, upstreamsFromFlag, type UpstreamsFile } from './upstream-config.js';

const MAX_LIST_BYTES = 4 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 10_000;

/** The OpenAI list shape; every other field of a model entry is the upstream's business. */
const modelList = z.object({
  data: z.array(z.object({ id: z.string().min(1).max(1000) })).max(10_000),
});

export class UpstreamDiscoveryError extends Error {
  override name = 'UpstreamDiscoveryError';
  constructor(readonly kind: 'unreachable' | 'refused', message: string) {
    super(message);
  }
}

export interface DiscoveredModels {
  /** The ids offered (as the upstream names them), in the upstream's order. */
  offered: string[];
  /** Ids the upstream lists that cannot be offered (characters a model id may not hold). */
  skipped: string[];
}

/** Reads `<baseUrl>/models` with the gateway's key; TLS verified (system roots, or `ca`). */
export async function listUpstreamModels(baseUrl: string, apiKey: string | null, options: { ca?: string; timeoutMs?: number } = {}): Promise<string[]> {
  const where = `The upstream ${baseUrl}`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const agent = new Agent({ headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connectTimeout: timeoutMs, ...(options.ca ? { connect: { ca: options.ca } } : {}) });
  try {
    let response;
    try {
      response = await request(`${baseUrl.replace(/\/+$/, '')}/models`, {
        method: 'GET',
        headers: { accept: 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        dispatcher: agent,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const reason = typeof code === 'string' ? code : error instanceof Error && error.name === 'TimeoutError' ? `no answer in ${timeoutMs / 1000} s` : 'connection failed';
      throw new UpstreamDiscoveryError('unreachable', `${where} cannot be reached (${reason}): start it, or fix --upstream.`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_LIST_BYTES) {
        response.body.destroy();
        throw new UpstreamDiscoveryError('refused', `${where} answered GET /models with more than ${MAX_LIST_BYTES} bytes; is --upstream the server's /v1 URL?`);
      }
      chunks.push(chunk as Buffer);
    }
    if (response.statusCode === 401 || response.statusCode === 403) {
      throw new UpstreamDiscoveryError('refused', `${where} refused GET /models (HTTP ${response.statusCode}): set its API key in AIRLOCK_UPSTREAM_API_KEY or AIRLOCK_UPSTREAM_API_KEY_FILE.`);
    }
    if (response.statusCode !== 200) {
      throw new UpstreamDiscoveryError('refused', `${where} answered GET /models with HTTP ${response.statusCode}: is --upstream the server's OpenAI-compatible base URL (usually ending in /v1)?`);
    }
    let parsed;
    try {
      parsed = modelList.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) throw new UpstreamDiscoveryError('refused', `${where} did not answer GET /models with an OpenAI model list ({"data":[{"id":...}]}); is --upstream its /v1 URL?`);
    return parsed.data.data.map((m) => m.id);
  } finally {
    await agent.close();
  }
}

/**
 * The models `serve --upstream URL [--model ID]...` offers: those the upstream lists, or the
 * `--model` ones, each of which must be listed. Ids a model id may not hold are skipped.
 */
export async function discoverFlagUpstream(url: string, options: { only?: readonly string[]; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<DiscoveredModels> {
  // Only to validate the URL and find the key the same way the proxy will: no model is sent anywhere.
  const config = upstreamsFromFlag(url, { models: ['probe'], ...(options.env ? { env: options.env } : {}) }).upstreams[0];
  if (config?.kind !== 'openai') throw new Error('an upstream URL makes an openai upstream');
  const listed = await listUpstreamModels(config.baseUrl, await resolveApiKey(config, options.env), { ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
  const valid = (id: string) => upstreamModel.shape.id.safeParse(id).success;
  if (options.only?.length) {
    const missing = options.only.filter((id) => !listed.includes(id));
    if (missing.length) {
      throw new UpstreamDiscoveryError('refused', `The upstream ${config.baseUrl} does not list ${missing.map((m) => `"${m}"`).join(', ')} (it lists ${listed.slice(0, 20).join(', ') || 'nothing'}): fix --model.`);
    }
    return { offered: [...new Set(options.only)], skipped: [] };
  }
  const offered = listed.filter(valid);
  const skipped = listed.filter((id) => !valid(id));
  if (offered.length === 0) {
    throw new UpstreamDiscoveryError('refused', `The upstream ${config.baseUrl} lists no models${skipped.length ? ` the gateway can offer (${skipped.length} with unusable ids)` : ''}: load a model in it, or point --upstream at another server.`);
  }
  return { offered, skipped };
}

function modelIdsOf(file: UpstreamsFile): string[] {
  return file.upstreams.flatMap((u) => (u.kind === 'demo' ? [DEMO_MODEL_ID] : u.models.map((m) => m.id)));
}

/**
 * What a starting gateway offers: DATA/upstreams.json's models when the file exists (it maps
 * names explicitly), the demo's, or what `--upstream URL` lists (discoverFlagUpstream).
 */
export async function modelsToOffer(dataDir: string, upstream: { kind: 'demo' } | { kind: 'url'; url: string }, only?: readonly string[]): Promise<DiscoveredModels & { from: 'upstreams.json' | 'demo' | 'upstream' }> {
  const file = await readUpstreamsFile(dataDir);
  if (file) return { offered: modelIdsOf(file), skipped: [], from: 'upstreams.json' };
  if (upstream.kind === 'demo') return { offered: [DEMO_MODEL_ID], skipped: [], from: 'demo' };
  return { ...(await discoverFlagUpstream(upstream.url, only ? { only } : {})), from: 'upstream' };
}
