import type { InvokeEventLike, IpcMainLike } from '../../../main/ipc/validated-ipc.js';

type Listener = (...args: never[]) => unknown;

/** A WebContents stand-in that records its handlers so a test can fire Electron's events at them. */
export function fakeWebContents() {
  const listeners = new Map<string, Listener[]>();
  let openHandler: ((details: { url: string }) => { action: 'allow' | 'deny' }) | null = null;
  const contents = {
    setWindowOpenHandler(handler: (details: { url: string }) => { action: 'allow' | 'deny' }) {
      openHandler = handler;
    },
    on(event: string, listener: Listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
      return contents;
    },
  };
  return {
    contents,
    /** Fires `event` with a preventable event object; returns whether a handler prevented it. */
    fire(event: string, url: string, ...rest: unknown[]): boolean {
      let prevented = false;
      const electronEvent = { url, preventDefault: () => { prevented = true; } };
      for (const listener of listeners.get(event) ?? []) (listener as (...args: unknown[]) => void)(electronEvent, ...rest);
      return prevented;
    },
    listens: (event: string) => (listeners.get(event)?.length ?? 0) > 0,
    open: (url: string) => openHandler?.({ url }),
  };
}

/** An ipcMain stand-in: `call` plays a renderer invoking a channel from a given frame. */
export function fakeIpcMain() {
  const handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  const sent: Array<{ channel: string; payload: unknown }> = [];
  const ipc: IpcMainLike = {
    handle(channel, listener) {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, listener);
    },
    removeHandler(channel) {
      handlers.delete(channel);
    },
  };
  return {
    ipc,
    handlers,
    sent,
    call(channel: string, frame: { url: string; parent: unknown } | null, ...args: unknown[]) {
      const handler = handlers.get(channel);
      if (!handler) throw new Error(`no handler for ${channel}`);
      const event = {
        sender: { id: 7, isDestroyed: () => false, send: (eventChannel: string, payload: unknown) => sent.push({ channel: eventChannel, payload }) },
        senderFrame: frame,
      } as unknown as InvokeEventLike;
      return handler(event, ...args);
    },
  };
}

export const APP_FRAME = { url: 'app://airlock/index.html', parent: null };
