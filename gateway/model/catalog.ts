/**
 * Which models a tester may use and where each one goes. Built once at start from the checked
 * upstream configuration; a model a tester may not use is indistinguishable from one that does
 * not exist (both `not_found`), so the list of models is not disclosed to the wrong tester.
 */
import type { ModelEntry } from '../../protocol/schemas/models.js';
import { createDemoTransport } from './demo-upstream.js';
import { createHttpTransport, type UpstreamTransport } from './transport.js';
import { DEMO_MODEL_ID, resolveApiKey, type UpstreamsFile } from './upstream-config.js';

export interface RoutedModel {
  id: string;
  /** The id sent upstream. */
  upstreamId: string;
  upstream: string;
  demo: boolean;
  transport: UpstreamTransport;
  timeouts: { firstByteMs: number; idleMs: number };
  allows(tester: string): boolean;
}

export interface ModelCatalog {
  list(tester: string): ModelEntry[];
  resolve(modelId: string, tester: string): RoutedModel | null;
  close(): Promise<void>;
}

function allowList(testers: string[]): (tester: string) => boolean {
  if (testers.includes('*')) return () => true;
  const set = new Set(testers.map((t) => t.toLowerCase()));
  return (tester) => set.has(tester.toLowerCase());
}

export async function createModelCatalog(config: UpstreamsFile, options: { env?: NodeJS.ProcessEnv; created?: number } = {}): Promise<ModelCatalog> {
  const created = options.created ?? Math.floor(Date.now() / 1000);
  const models = new Map<string, RoutedModel>();
  const transports: UpstreamTransport[] = [];
  for (const upstream of config.upstreams) {
    if (upstream.kind === 'demo') {
      const transport = createDemoTransport({ tokensPerSecond: upstream.tokensPerSecond });
      transports.push(transport);
      models.set(DEMO_MODEL_ID, { id: DEMO_MODEL_ID, upstreamId: DEMO_MODEL_ID, upstream: upstream.name, demo: true, transport, timeouts: upstream.timeouts, allows: allowList(upstream.testers) });
      continue;
    }
    const transport = await createHttpTransport(upstream, await resolveApiKey(upstream, options.env));
    transports.push(transport);
    for (const model of upstream.models) {
      models.set(model.id, { id: model.id, upstreamId: model.upstreamId ?? model.id, upstream: upstream.name, demo: false, transport, timeouts: upstream.timeouts, allows: allowList(model.testers) });
    }
  }
  return {
    list(tester) {
      const out: ModelEntry[] = [];
      for (const model of models.values()) {
        if (!model.allows(tester)) continue;
        out.push(model.demo
          ? { id: model.id, object: 'model', created, owned_by: 'airlock-demo', airlock_demo: true }
          : { id: model.id, object: 'model', created, owned_by: model.upstream });
      }
      return out;
    },
    resolve(modelId, tester) {
      const model = models.get(modelId);
      return model && model.allows(tester) ? model : null;
    },
    async close() {
      await Promise.all(transports.map((t) => t.close()));
    },
  };
}
