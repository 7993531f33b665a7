/**
 * Debian's nginx as the bench needs it: started from an `http { ... }` body on loopback, in its
 * own throwaway directory (with a TLS certificate from a throwaway CA for the servers that speak
 * TLS), waited for, and stopped. Used for the floor reference (a TLS reverse proxy), the fixed
 * upstream and the TLS client hop of the throughput runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGatewayCertificates } from '../../gateway/tls/certificates.js';

export interface NginxProcess {
  /** The master's pid (its workers are its children). */
  pid: number;
  /** The throwaway directory: nginx.conf, server.pem / server.key, temp paths, error.log. */
  dir: string;
  /** The CA that signed server.pem (for `localhost` and 127.0.0.1). */
  ca: string;
  stop(): Promise<void>;
}

export interface NginxFiles {
  dir: string;
  /** server.pem (the chain) and server.key, for `ssl_certificate` lines. */
  certificate: string;
  key: string;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: '127.0.0.1', port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/**
 * Starts nginx with one worker per `workers` and the `http` block that `httpBody` returns (given
 * the directory and the certificate paths), then waits until every port in `ports` accepts.
 */
export async function startNginxWith(options: { workers?: number; ports: number[]; httpBody: (files: NginxFiles) => string; prepare?: (dir: string) => Promise<void> }): Promise<NginxProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-bench-nginx-'));
  const certs = await createGatewayCertificates([]);
  const files: NginxFiles = { dir, certificate: join(dir, 'server.pem'), key: join(dir, 'server.key') };
  await writeFile(files.certificate, `${certs.serverCertPem.trim()}\n${certs.caCertPem.trim()}\n`, { mode: 0o600 });
  await writeFile(files.key, certs.serverKeyPem, { mode: 0o600 });
  await options.prepare?.(dir);
  const conf = `
daemon off;
worker_processes ${options.workers ?? 1};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${options.httpBody(files)}
}
`;
  await writeFile(join(dir, 'nginx.conf'), conf);
  const child: ChildProcess = spawn('/usr/sbin/nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    child.kill('SIGQUIT');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const until = Date.now() + 10_000;
    for (const port of options.ports) {
      for (;;) {
        if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr.trim()}`);
        if (await accepts(port)) break;
        if (Date.now() > until) throw new Error(`nginx: nothing listens on port ${port}: ${stderr.trim()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { pid: child.pid!, dir, ca: certs.caCertPem, stop };
}
