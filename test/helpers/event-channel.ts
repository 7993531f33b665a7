import { request } from 'undici';
import type { GatewayClient, TestDevice } from './pinned-client.js';

/** An open `GET /v1/events` channel of a test device: everything it received, and its end. */
export interface OpenEventChannel {
  status: number;
  text(): string;
  /** Resolves when the gateway ends the channel. */
  ended: Promise<void>;
}

/**
 * Opens the device's control channel (it must hold a session and a current nonce) and returns once
 * the first heartbeat arrived, so the channel is registered for cutting.
 */
export async function openEventChannel(gatewayUrl: string, client: GatewayClient, device: TestDevice): Promise<OpenEventChannel> {
  const events = await request(`${gatewayUrl}/v1/events`, {
    method: 'GET',
    headers: { authorization: `DPoP ${device.accessToken!}`, dpop: await device.proof('GET', '/v1/events', { accessToken: device.accessToken! }) },
    dispatcher: client.agent,
  });
  let text = '';
  const ended = (async () => {
    for await (const chunk of events.body) text += (chunk as Buffer).toString('utf8');
  })();
  if (events.statusCode === 200) while (!text.includes('heartbeat')) await new Promise((r) => setTimeout(r, 10));
  return { status: events.statusCode, text: () => text, ended };
}
