/**
 * Open connections per client address and in total. A connection over either cap is not dropped
 * silently: its first request is answered with a refusal that says which cap (see plugin.ts), and
 * the connection is closed after that answer.
 */
import type { Server } from 'node:net';
import type { Socket } from 'node:net';

export interface ConnectionCaps {
  perAddress: number;
  total: number;
}

export type OverCap = 'address' | 'total' | null;

export interface ConnectionCounter {
  /** Which cap the connection was over when it opened, if any. */
  overCap(socket: Socket): OverCap;
  open(address: string): number;
  readonly total: number;
}

export function countConnections(server: Server, caps: ConnectionCaps): ConnectionCounter {
  const perAddress = new Map<string, number>();
  const over = new WeakMap<Socket, Exclude<OverCap, null>>();
  let total = 0;
  // TCP level, before TLS: every connection is counted, including one that never finishes its handshake.
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const mine = (perAddress.get(address) ?? 0) + 1;
    perAddress.set(address, mine);
    total++;
    if (total > caps.total) over.set(socket, 'total');
    else if (mine > caps.perAddress) over.set(socket, 'address');
    socket.once('close', () => {
      total--;
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left <= 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
  });
  return {
    // The TLS socket a request arrives on wraps the TCP socket the count was made on.
    overCap: (socket) => over.get(socket) ?? over.get((socket as Socket & { _parent?: Socket })._parent ?? socket) ?? null,
    open: (address) => perAddress.get(address) ?? 0,
    get total() {
      return total;
    },
  };
}
