import { contextBridge, ipcRenderer } from 'electron';
import { createBridgeApi } from '../ipc/bridge-api.js';
import type { BridgeTransport } from '../ipc/bridge-api.js';

/**
 * The sandboxed preload: one global, `window.airlock`, each method fixed to one channel. The
 * transport stays inside this closure; the page never gets ipcRenderer or a channel name.
 */
const transport: BridgeTransport = {
  invoke: (channel, input) => ipcRenderer.invoke(channel, input),
  subscribe: (channel, listener) => {
    const handler = (_event: Electron.IpcRendererEvent, payload: Parameters<typeof listener>[0]) => listener(payload);
    ipcRenderer.on(channel, handler);
    return () => {
      ipcRenderer.removeListener(channel, handler);
    };
  },
};

contextBridge.exposeInMainWorld('airlock', createBridgeApi(transport));
