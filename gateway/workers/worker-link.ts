/**
 * A worker's side of `serve --workers N` (primary.ts): receives the run's nonce key, tells the
 * primary when it listens, sends the changes the other workers must apply and applies theirs.
 */
import { fromPrimary, type FromWorker, type SiblingEvent } from './messages.js';

export interface WorkerLink {
  /** 1 for the lead worker (admin socket, console, metrics). */
  index: number;
  nonceKey: Buffer;
  /** Resolves once every other worker has applied `event`. */
  fanOut(event: SiblingEvent): Promise<void>;
  /** What this worker does with another worker's change; set once the gateway is built. */
  onEvent(apply: (event: SiblingEvent) => Promise<void>): void;
  listening(line: string): void;
  /** Called when the primary is gone: this worker must stop. */
  onPrimaryGone(stop: () => void): void;
}

export async function connectToPrimary(index: number, log: (message: string) => void): Promise<WorkerLink> {
  if (!process.send) throw new Error('a gateway worker runs only under its primary (serve --workers)');
  const send = (message: FromWorker): void => {
    process.send?.(message);
  };
  let apply: ((event: SiblingEvent) => Promise<void>) | null = null;
  const early: Array<{ id: number; event: SiblingEvent }> = [];
  const waiting = new Map<number, { resolve(): void; reject(error: Error): void }>();
  let nextId = 1;
  let resolveKey: (key: Buffer) => void = () => undefined;
  const keyReceived = new Promise<Buffer>((resolve) => (resolveKey = resolve));

  async function applyOne(id: number, event: SiblingEvent): Promise<void> {
    try {
      await apply!(event);
    } catch (error) {
      log(`could not apply a change from another worker: ${error instanceof Error ? error.message : String(error)}`);
    }
    send({ kind: 'applied', id });
  }

  process.on('message', (raw: unknown) => {
    const parsed = fromPrimary.safeParse(raw);
    if (!parsed.success) {
      log('the primary sent a message that does not parse; ignored');
      return;
    }
    const message = parsed.data;
    switch (message.kind) {
      case 'setup':
        resolveKey(Buffer.from(message.nonceKey, 'base64'));
        return;
      case 'apply':
        if (apply) void applyOne(message.id, message.event);
        else early.push({ id: message.id, event: message.event });
        return;
      case 'fanned': {
        const waiter = waiting.get(message.id);
        waiting.delete(message.id);
        if (message.error) waiter?.reject(new Error(message.error));
        else waiter?.resolve();
        return;
      }
    }
  });
  send({ kind: 'hello' });
  const nonceKey = await keyReceived;
  return {
    index,
    nonceKey,
    fanOut(event) {
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        send({ kind: 'fan-out', id, event });
      });
    },
    onEvent(handler) {
      apply = handler;
      for (const { id, event } of early.splice(0)) void applyOne(id, event);
    },
    listening(line) {
      send({ kind: 'listening', line });
    },
    onPrimaryGone(stop) {
      process.once('disconnect', stop);
    },
  };
}
