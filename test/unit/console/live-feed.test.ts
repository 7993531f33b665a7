import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLiveFeed, type FeedClient, type LiveFeed } from '../../../gateway/console/live-feed.js';

/** A page's stream as the feed writes it: events by name with their data. */
function page(sessionId: string) {
  const events: { event: string; data: unknown }[] = [];
  let comments = 0;
  let closed = false;
  const client: FeedClient = {
    sessionId,
    write(chunk) {
      if (chunk.startsWith(':')) return void comments++;
      const [, event = '', data = ''] = /^event: (.*)\ndata: (.*)\n\n$/.exec(chunk) ?? [];
      events.push({ event, data: JSON.parse(data) as unknown });
    },
    close: () => void (closed = true),
  };
  return { client, events, names: () => events.map((e) => e.event), closed: () => closed, comments: () => comments };
}

/** Pages of these sessions, opened and past their `hello`. */
async function openPages(feed: LiveFeed, ...sessions: string[]) {
  const pages = sessions.map(page);
  for (const p of pages) feed.add(p.client);
  await vi.advanceTimersByTimeAsync(0);
  return pages as [ReturnType<typeof page>, ReturnType<typeof page>];
}

describe('the console live feed', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  const setup = () => {
    let head = 10;
    const alive = new Set(['s1', 's2']);
    const connections = new Map<string, { channels: number; streams: number }>();
    const reads = { head: 0 };
    const feed = createLiveFeed(
      {
        counts: () => ({ connectedDevices: connections.size, openStreams: 0, openChannels: [...connections.values()].reduce((n, c) => n + c.channels, 0) }),
        connectionsOf: (id) => connections.get(id) ?? { channels: 0, streams: 0 },
        auditHead: async () => {
          reads.head++;
          return head;
        },
        sessionAlive: (id) => alive.has(id),
      },
      { connectionsDelayMs: 100, storeCheckMs: 15_000, sweepMs: 5_000, heartbeatMs: 20_000 },
    );
    return { feed, reads, alive, connections, setHead: (n: number) => (head = n) };
  };

  it('pushes a revocation to every open page as it happens, with the device state, and reads no store on a timer meanwhile', async () => {
    const { feed, reads } = setup();
    const [a, b] = await openPages(feed, 's1', 's2');
    expect(a.events).toEqual([{ event: 'hello', data: { connectedDevices: 0, openStreams: 0, openChannels: 0, auditSeq: 10 } }]);
    const readsBefore = reads.head;

    feed.publish({ kind: 'device', id: 'dev_a', status: 'revoked' });
    // Written before any timer runs: pushed, not found by the next look.
    expect(a.events.at(-1)).toEqual({ event: 'device', data: { id: 'dev_a', status: 'revoked', channels: 0, streams: 0 } });
    expect(b.names()).toEqual(['hello', 'device']);

    // Nothing else changes for 14 s: nothing is written and the store is not read again on a timer.
    await vi.advanceTimersByTimeAsync(14_000);
    expect(a.names()).toEqual(['hello', 'device']);
    expect(reads.head - readsBefore).toBe(1); // the publish's own head read, so its entry is no news later
  });

  it('gathers connection changes into one event with each changed device', async () => {
    const { feed, connections } = setup();
    const a = page('s1');
    feed.add(a.client);
    await vi.advanceTimersByTimeAsync(0);
    connections.set('dev_a', { channels: 1, streams: 0 });
    feed.connectionsChanged('dev_a');
    connections.set('dev_b', { channels: 1, streams: 2 });
    feed.connectionsChanged('dev_b');
    feed.connectionsChanged('dev_a');
    expect(a.names()).toEqual(['hello']);
    await vi.advanceTimersByTimeAsync(100);
    expect(a.events.slice(1)).toEqual([
      {
        event: 'connections',
        data: { connectedDevices: 2, openStreams: 0, openChannels: 2, devices: [{ id: 'dev_a', channels: 1, streams: 0 }, { id: 'dev_b', channels: 1, streams: 2 }] },
      },
    ]);
  });

  it('closes the pages of a session that logged out at once, and of one that expired within the sweep', async () => {
    const { feed, alive } = setup();
    const [a, b] = await openPages(feed, 's1', 's2');
    feed.endSession('s1');
    expect(a.closed()).toBe(true);
    expect(a.names()).toEqual(['hello', 'session_ended']);
    expect(b.closed()).toBe(false);
    alive.delete('s2');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(b.closed()).toBe(true);
    expect(b.names()).toEqual(['hello', 'session_ended']);
    expect(feed.clients()).toBe(0);
  });

  it('tells pages of entries written elsewhere at the store check, not of its own operations', async () => {
    const { feed, setHead } = setup();
    const a = page('s1');
    feed.add(a.client);
    await vi.advanceTimersByTimeAsync(0);
    setHead(11);
    feed.publish({ kind: 'change', what: 'lock.create' });
    await vi.advanceTimersByTimeAsync(15_000);
    expect(a.names()).toEqual(['hello', 'change']);
    setHead(14); // e.g. another gateway instance's enrollment
    await vi.advanceTimersByTimeAsync(15_000);
    expect(a.events.at(-1)).toEqual({ event: 'change', data: { auditSeq: 14, what: 'audit' } });
  });

  it('keeps a quiet stream open with a comment every 20 s', async () => {
    const { feed } = setup();
    const a = page('s1');
    feed.add(a.client);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(a.comments()).toBe(1);
  });
});
