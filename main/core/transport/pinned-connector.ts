import { isIP } from 'node:net';
import * as tls from 'node:tls';
import type { buildConnector } from 'undici';
import { isAirlockError } from '../../../protocol/errors.js';
import type { Logger } from '../ports.js';
import { createPinMemo, type PinMemo } from './pins.js';
import { notTrusted, verifyBootstrapChain } from './trust-bootstrap.js';

/** What the transport trusts for one gateway: the pin set and the CA certificates learned so far. */
export interface TrustAnchors {
  pins(): readonly string[];
  caPems(): readonly string[];
  /** A CA whose pin is in the set was verified by the bootstrap (first enrollment, or rotation). */
  adopt(caPem: string): void;
}

export interface PinnedConnectorDeps {
  trust: TrustAnchors;
  now: () => Date;
  logger: Logger;
  timeoutMs?: number;
}

// OpenSSL's answers when the chain does not lead to any CA we hold: the only case in which the
// bootstrap may look for a CA with a backup pin. Every other failure refuses at once.
const UNKNOWN_CA = new Set(['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']);
const CERT_ERROR = /CERT|SIGNATURE|ISSUER|SELF_SIGNED|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME|ALTNAME/;

function codeOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : '';
}

/** A failed verified connection: a certificate failure is `connection_not_trusted`, anything else stays as it was. */
function verificationFailure(error: unknown): unknown {
  if (!isAirlockError(error) && CERT_ERROR.test(codeOf(error))) return notTrusted(`the gateway certificate failed verification (${codeOf(error)})`, error);
  return error;
}

/** Every certificate the peer sent, leaf first (Node links them through `issuerCertificate`). */
function peerChain(socket: tls.TLSSocket): Uint8Array[] {
  const chain: Uint8Array[] = [];
  const seen = new Set<string>();
  let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (cert?.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(new Uint8Array(cert.raw));
    cert = cert.issuerCertificate;
  }
  return chain;
}

/** The pin check of every connection: some CA certificate in the verified chain has a pinned key. */
function checkPinned(host: string, cert: tls.PeerCertificate, pins: readonly string[], memo: PinMemo): Error | undefined {
  const identity = tls.checkServerIdentity(host, cert);
  if (identity !== undefined) return identity;
  const seen = new Set<string>();
  let current = (cert as tls.DetailedPeerCertificate).issuerCertificate;
  while (current?.raw && !seen.has(current.fingerprint256)) {
    seen.add(current.fingerprint256);
    if (current.ca && pins.includes(memo.ofPeer(current))) return undefined;
    current = current.issuerCertificate;
  }
  return notTrusted('the gateway CA key is not in the pin set');
}

/**
 * TLS contexts of one connector, made once per set of trusted CAs rather than per connection
 * (parsing the CAs into a fresh store costs ~0.4 ms each time). A context is configuration only:
 * no TLS session is ever handed back in (`session`), so every connection has a full handshake,
 * and with it OpenSSL's chain check and `checkServerIdentity` with the pin check (Node skips that
 * callback on a resumed session).
 */
function createContextCache(): (cas: readonly string[]) => tls.SecureContext {
  let last: { key: string; context: tls.SecureContext } | null = null;
  return (cas) => {
    const key = cas.join('\n');
    if (last?.key !== key) last = { key, context: tls.createSecureContext({ ca: [...cas] }) };
    return last.context;
  };
}

function tlsOptions(host: string, port: number): tls.ConnectionOptions {
  // Host names get SNI; an IP address must not be sent as a server name.
  return { host, port, ALPNProtocols: ['http/1.1'], ...(isIP(host) === 0 ? { servername: host } : {}) };
}

function open(options: tls.ConnectionOptions, timeoutMs: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(options);
    // undici's own connector does both; a custom connector must too. Without TCP_NODELAY a
    // request written as several segments waits on the peer's delayed ACK (Nagle), tens of ms.
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
    const timer = setTimeout(() => socket.destroy(Object.assign(new Error('TLS connection timed out'), { code: 'ETIMEDOUT' })), timeoutMs);
    const onError = (error: Error): void => {
      clearTimeout(timer);
      reject(error);
    };
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      // From here undici owns the socket and its errors.
      socket.removeListener('error', onError);
      resolve(socket);
    });
  });
}

/**
 * Reads the chain a gateway presents, for verifyBootstrapChain to judge, and destroys the socket
 * without sending a byte. This is the only socket opened without OpenSSL's chain check (the
 * app knows no CA yet, only pins); it never carries a request. Requests go over a new connection
 * that trusts exactly the CA the bootstrap accepted, with normal verification.
 */
async function readPresentedChain(host: string, port: number, context: tls.SecureContext, timeoutMs: number): Promise<Uint8Array[]> {
  const socket = await open({ ...tlsOptions(host, port), secureContext: context, rejectUnauthorized: false }, timeoutMs);
  try {
    return peerChain(socket);
  } finally {
    socket.destroy();
  }
}

/** Normal verification against the gateway CAs only (never the system roots), plus the pin check. */
function openVerified(host: string, port: number, trusting: tls.SecureContext, pins: readonly string[], memo: PinMemo, timeoutMs: number): Promise<tls.TLSSocket> {
  return open({ ...tlsOptions(host, port), secureContext: trusting, checkServerIdentity: (name, cert) => checkPinned(name, cert, pins, memo) }, timeoutMs);
}

/**
 * An undici connector for the gateway (PROTOCOL.md "Trust bootstrap"). With a CA known, it trusts
 * only that CA and checks the pin set on every connection. With none yet (enrollment), or when the
 * gateway shows a CA it does not know (rotation to the backup pin), it runs the bootstrap check
 * and adopts the CA only if its pin is in the set. Certificate failures become
 * `connection_not_trusted`, which callers never retry.
 */
export function createPinnedConnector(deps: PinnedConnectorDeps): buildConnector.connector {
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const trusting = createContextCache();
  const pinMemo = createPinMemo();

  async function connect(hostname: string, port: number): Promise<tls.TLSSocket> {
    const host = hostname.replace(/^\[(.*)\]$/, '$1');
    const pins = deps.trust.pins();
    const cas = deps.trust.caPems();
    if (cas.length > 0) {
      try {
        return await openVerified(host, port, trusting(cas), pins, pinMemo, timeoutMs);
      } catch (error) {
        if (isAirlockError(error) || !UNKNOWN_CA.has(codeOf(error))) throw verificationFailure(error);
        deps.logger.warn('transport: the gateway presents a CA this device does not know; checking it against the pin set', { host });
      }
    }
    // An empty CA store: nothing is trusted on the bootstrap socket, not even the system roots.
    const chain = await readPresentedChain(host, port, trusting([]), timeoutMs);
    const { caPem, caPin, caDer } = verifyBootstrapChain({ chain, pins, host, now: deps.now() });
    pinMemo.learn(caDer, caPin);
    deps.trust.adopt(caPem);
    deps.logger.info('transport: gateway CA accepted by its pin', { host, pin: caPin });
    try {
      return await openVerified(host, port, trusting([...cas, caPem]), pins, pinMemo, timeoutMs);
    } catch (error) {
      throw verificationFailure(error);
    }
  }

  return (options, callback) => {
    connect(options.hostname, Number(options.port) || 443).then(
      (socket) => callback(null, socket),
      (error: unknown) => {
        if (isAirlockError(error, 'connection_not_trusted')) deps.logger.error('transport: CONNECTION NOT TRUSTED, refusing the gateway', { host: options.hostname, reason: error.message });
        callback(error instanceof Error ? error : new Error(String(error)), null);
      },
    );
  };
}
