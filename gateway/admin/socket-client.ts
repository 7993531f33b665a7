import { createConnection } from 'node:net';
import { adminResponse, type AdminRequest, type AdminResponse } from '../../protocol/schemas/admin.js';

/** Sends one admin request over the socket and parses the answer. Rejects when nothing listens. */
export function callAdminSocket(path: string, request: AdminRequest, timeoutMs = 30_000): Promise<AdminResponse> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let data = '';
    const timer = setTimeout(() => socket.destroy(new Error('The gateway did not answer the admin command in time.')), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(adminResponse.parse(JSON.parse(data)));
      } catch {
        reject(new Error('The gateway answered the admin command with something that is not an admin response.'));
      }
    });
  });
}
