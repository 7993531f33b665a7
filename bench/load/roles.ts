/**
 * The two nginx roles around the throughput runs, both on the client's side of the measurement
 * (their CPU is not the server's):
 *  - the fixed upstream: answers `POST .../chat/completions` with a recorded answer (the 20-chunk
 *    stream, or the JSON completion) from a file, for a few µs a call instead of a Node server's
 *    hundreds; the stream goes out in one piece, not 20 writes (the sequential runs keep the Node
 *    upstream that writes chunk by chunk);
 *  - the TLS client hop: wrk speaks plain HTTP to it and it speaks TLS to the target, verifying
 *    the target's certificate against the target's CA and name (`proxy_ssl_verify on`) over a
 *    pool of kept-alive connections. It cannot pin the key (the sequential runs do).
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/free-port.js';
import { startNginxWith, type NginxProcess } from './nginx.js';

/** The fixed upstream's base URLs per answer kind (…/v1, as an OpenAI base URL). */
export const FIXED_PATHS = { streamed: '/fixed/stream/v1', json: '/fixed/json/v1' } as const;

export interface FixedUpstream extends NginxProcess {
  url: string;
}

/** Serves `answers.streamed` (text/event-stream) and `answers.json` (application/json) to any method. */
export async function startFixedUpstream(answers: { streamed: string; json: string }): Promise<FixedUpstream> {
  const port = await freePort();
  const nginx = await startNginxWith({
    ports: [port],
    prepare: async (dir) => {
      // nginx's workers drop root (to nobody): the answers must be readable by others (nothing
      // secret in them; the directory stays unlistable, the key in it 0600).
      await chmod(dir, 0o711);
      await mkdir(join(dir, 'files'), { mode: 0o755 });
      await writeFile(join(dir, 'files', 'stream.sse'), answers.streamed, { mode: 0o644 });
      await writeFile(join(dir, 'files', 'answer.json'), answers.json, { mode: 0o644 });
    },
    // nginx's file server answers GET only: the POST is turned into an internal GET of the file
    // (error_page changes the method), which is all this upstream does.
    httpBody: (files) => `
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 10000000;
    location = ${FIXED_PATHS.streamed}/chat/completions { error_page 405 =200 /files/stream.sse; return 405; }
    location = ${FIXED_PATHS.json}/chat/completions { error_page 405 =200 /files/answer.json; return 405; }
    location /files/ {
      internal;
      alias ${files.dir}/files/;
      types { text/event-stream sse; application/json json; }
      etag off;
    }
  }`,
  });
  return { ...nginx, url: `http://127.0.0.1:${port}` };
}

export interface TlsTarget {
  name: string;
  /** host:port of the target's TLS listener (127.0.0.1). */
  port: number;
  /** The CA its certificate must chain to, and the name it must carry. */
  ca: string;
  serverName: string;
}

export interface TlsClientHop extends NginxProcess {
  /** Plain-HTTP URL wrk connects to, per target name. */
  urls: Map<string, string>;
}

/** One plain-HTTP listener per target, each proxying over verified TLS to its target. */
export async function startTlsClientHop(targets: TlsTarget[], connections: number): Promise<TlsClientHop> {
  const listeners = await Promise.all(targets.map(async (t, i) => ({ ...t, index: i, listen: await freePort() })));
  const nginx = await startNginxWith({
    ports: listeners.map((l) => l.listen),
    prepare: async (dir) => {
      for (const l of listeners) await writeFile(join(dir, `ca-${l.index}.pem`), l.ca);
    },
    httpBody: (files) => listeners.map((l) => `
  upstream target${l.index} { server 127.0.0.1:${l.port}; keepalive ${connections * 2}; keepalive_requests 10000000; }
  server {
    listen 127.0.0.1:${l.listen};
    keepalive_requests 10000000;
    location / {
      proxy_pass https://target${l.index};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_ssl_verify on;
      proxy_ssl_verify_depth 2;
      proxy_ssl_trusted_certificate ${files.dir}/ca-${l.index}.pem;
      proxy_ssl_name ${l.serverName};
      proxy_ssl_server_name on;
      proxy_ssl_session_reuse on;
      proxy_ssl_protocols TLSv1.2 TLSv1.3;
    }
  }`).join('\n'),
  });
  return { ...nginx, urls: new Map(listeners.map((l) => [l.name, `http://127.0.0.1:${l.listen}`])) };
}
