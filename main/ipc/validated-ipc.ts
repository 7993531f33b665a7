import type { WebContents, WebFrameMain } from 'electron';
import { CHANNEL_PREFIX, InvokeChannel, inputSchemas } from './contract.js';
import type { ApiResult, EventChannel, EventPayload } from './contract.js';
import type { Handlers } from './handlers.js';
import { toFailure } from './failure.js';

/** The parts of an `IpcMainInvokeEvent` the checks read; Electron's event satisfies it. */
export interface InvokeEventLike {
  sender: Pick<WebContents, 'id' | 'send' | 'isDestroyed'>;
  senderFrame: Pick<WebFrameMain, 'url' | 'parent'> | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface SenderPolicy {
  /** True only for the app's own renderer URL (`app://airlock/...`). */
  isAppUrl(url: string): boolean;
}

function refuse(code: 'sender_refused' | 'invalid_input', message: string): ApiResult<never> {
  return { ok: false, code, message };
}

/**
 * Why a sender may not call: checked before the input is even parsed, in this order — the frame
 * still exists, it is the top frame (no iframe gets the API), and it shows the app's own origin.
 */
export function senderRefusal(event: InvokeEventLike, policy: SenderPolicy): string | null {
  const frame = event.senderFrame;
  if (!frame) return 'the sending frame is gone';
  if (frame.parent !== null) return 'a sub-frame may not call the app';
  if (!policy.isAppUrl(frame.url)) return 'the sender is not the app';
  return null;
}

/**
 * Registers every handler, like VS Code's validatedIpcMain: channel prefix, sender, then the
 * channel's zod schema; anything refused answers a plain `{ ok: false }` and never throws.
 * Returns a function that removes the handlers.
 */
export function registerIpcHandlers(ipc: IpcMainLike, handlers: Handlers, policy: SenderPolicy): () => void {
  const channels = Object.values(InvokeChannel);
  for (const channel of channels) {
    if (!channel.startsWith(CHANNEL_PREFIX)) throw new Error(`IPC channel ${channel} lacks the ${CHANNEL_PREFIX} prefix`);
    const schema = inputSchemas[channel];
    const handler = handlers[channel] as (input: unknown, context: Parameters<Handlers[typeof channel]>[1]) => Promise<ApiResult<unknown>>;
    ipc.handle(channel, async (event, ...args) => {
      const refusal = senderRefusal(event, policy);
      if (refusal) return refuse('sender_refused', `Refused: ${refusal}.`);
      if (args.length > 1) return refuse('invalid_input', 'Refused: too many arguments.');
      const parsed = schema.safeParse(args[0]);
      if (!parsed.success) return refuse('invalid_input', `Refused: the input is not valid (${parsed.error.issues[0]?.message ?? 'bad shape'}).`);
      try {
        return await handler(parsed.data, {
          callerId: String(event.sender.id),
          send: <E extends EventChannel>(eventChannel: E, payload: EventPayload[E]) => {
            if (!event.sender.isDestroyed()) event.sender.send(eventChannel, payload);
          },
        });
      } catch (error) {
        return toFailure(error);
      }
    });
  }
  return () => {
    for (const channel of channels) ipc.removeHandler(channel);
  };
}
