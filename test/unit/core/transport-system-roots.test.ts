import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerCert, createTestCa, type TestCa } from './support/pki.js';
import { startTlsServer, type TestTlsServer } from './support/tls-server.js';

const run = promisify(execFile);

describe('pinned transport and the system trust store', () => {
  let ca: TestCa;
  let mitmCa: TestCa;
  let real: TestTlsServer;
  let mitm: TestTlsServer;
  let dir: string;

  beforeAll(async () => {
    [ca, mitmCa] = await Promise.all([createTestCa(), createTestCa({ name: 'MITM CA in the system store' })]);
    [real, mitm] = await Promise.all([startTlsServer(await createServerCert(ca)), startTlsServer(await createServerCert(mitmCa))]);
    dir = await mkdtemp(join(tmpdir(), 'airlock-roots-'));
  });
  afterAll(async () => {
    await Promise.all([real.close(), mitm.close(), rm(dir, { recursive: true, force: true })]);
  });

  it('refuses a MITM whose CA the system trusts, and ignores proxy variables for the gateway', async () => {
    const extra = join(dir, 'system-roots.pem');
    await writeFile(extra, mitmCa.certPem);
    const child = fileURLToPath(new URL('./support/transport-child.ts', import.meta.url));
    const { stdout } = await run(process.execPath, ['--import', 'tsx', child], {
      env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: extra,
        HTTPS_PROXY: 'http://127.0.0.1:9',
        https_proxy: 'http://127.0.0.1:9',
        TRANSPORT_CHILD_INPUT: JSON.stringify({ mitmOrigin: mitm.origin, realOrigin: real.origin, caPem: ca.certPem, pin: ca.pin }),
      },
      timeout: 30_000,
    });
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, string>;
    // The MITM CA really is in this process's trust store: Node's default TLS accepts it...
    expect(result.systemTrustsMitm).toBe('status 200');
    // ...but the pinned transport never consults system roots, and goes direct despite HTTPS_PROXY.
    expect(result.pinnedToMitm).toBe('connection_not_trusted');
    expect(result.pinnedToReal).toBe('status 200');
    expect(mitm.requests).toBe(1);
  });
});
