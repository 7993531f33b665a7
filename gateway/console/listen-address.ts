import { isIP } from 'node:net';

/** Where the console listens, and whether that is allowed: loopback unless the admin says otherwise. */
export interface ConsoleListen {
  host: string;
  port: number;
  /** `--console-allow-remote`: the admin chose a non-loopback address on purpose (then it serves HTTPS). */
  allowRemote: boolean;
}

export class ConsoleListenError extends Error {
  override name = 'ConsoleListenError';
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/**
 * Refuses a console address that would expose the admin console beyond this host without an
 * explicit flag, or that is the testers' port (the console is never on the testers' listener).
 */
export function checkConsoleListen(listen: ConsoleListen, testers: { host: string; port: number }): void {
  if (!isLoopback(listen.host) && !listen.allowRemote) {
    throw new ConsoleListenError(
      `--console-listen ${listen.host}:${listen.port} is not a loopback address. The console is for this host only: use 127.0.0.1:PORT and reach it from your laptop with "ssh -L PORT:127.0.0.1:PORT gatewayhost", or add --console-allow-remote if you really mean to serve it on ${listen.host} (it then uses HTTPS with the gateway's certificate).`,
    );
  }
  if (listen.port !== 0 && listen.port === testers.port) {
    throw new ConsoleListenError(`--console-listen: port ${listen.port} is the testers' port. Give the console a port of its own.`);
  }
}
