/**
 * Run in a child process whose "system store" trusts a MITM CA (NODE_EXTRA_CA_CERTS) and whose
 * environment names an HTTPS proxy: prints what the default Node TLS trust and the pinned
 * transport each make of the given origins, as one JSON line.
 */
import { get } from 'node:https';
import { createGatewayHttp } from '../../../../main/core/transport/gateway-http.js';
import { createPinnedConnector } from '../../../../main/core/transport/pinned-connector.js';
import { memoryLogger } from './memory-logger.js';

const input = JSON.parse(process.env.TRANSPORT_CHILD_INPUT!) as { mitmOrigin: string; realOrigin: string; caPem: string; pin: string };

function systemTrust(origin: string): Promise<string> {
  return new Promise((resolve) => {
    get(`${origin}/hello`, (res) => {
      res.resume();
      resolve(`status ${res.statusCode}`);
    }).on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

async function pinned(origin: string): Promise<string> {
  const http = createGatewayHttp({
    origin,
    connector: createPinnedConnector({ trust: { pins: () => [input.pin], caPems: () => [input.caPem], adopt: () => undefined }, now: () => new Date(), logger: memoryLogger() }),
  });
  try {
    const response = await http.request({ method: 'GET', path: '/hello' });
    await response.discard();
    return `status ${response.status}`;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await http.close();
  }
}

const result = {
  systemTrustsMitm: await systemTrust(input.mitmOrigin),
  pinnedToMitm: await pinned(input.mitmOrigin),
  pinnedToReal: await pinned(input.realOrigin),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
