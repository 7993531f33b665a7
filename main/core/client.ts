import { join } from 'node:path';
import { AirlockError, isAirlockError, type LockNotice } from '../../protocol/errors.js';
import { retireResponse } from '../../protocol/schemas/device.js';
import { parseInviteLink } from '../../protocol/invite/link.js';
import type { Es256Signer } from '../../protocol/jws/signer.js';
import { modelList } from '../../protocol/schemas/models.js';
import { trustAnchorsResponse } from '../../protocol/schemas/trust.js';
import { pinsAfterAnnouncement } from './trust/announced-pins.js';
import type { EnrollmentRecord } from './vault/record.js';
import type { ClientPolicy } from '../../protocol/schemas/policy.js';
import type { AirlockClient, ChatDelta, ClientState, DeviceStatus } from './api.js';
import type { AttestationCollector } from './attestation/collector.js';
import { streamChat } from './chat.js';
import { createControlChannel, type ControlChannel } from './control-channel.js';
import { enrollDevice, gatewayTpmKeysStance } from './enrollment.js';
import { waitForUnlock, type UnlockAttempt } from './lock-wait.js';
import { createConversations } from './conversations/conversations.js';
import { createEncryptedHistory } from './conversations/encrypted-history.js';
import { ClientError, describeError, isRevokingCode, type RevokingCode } from './errors.js';
import { errorFromResponse } from './session/gateway-error.js';
import { redacting } from './log/redacting-logger.js';
import type { Clock, DataDir, Keychain, Logger, RandomBytes } from './ports.js';
import { createDpopClient, type DpopClient } from './session/dpop-client.js';
import { createSession, type Session } from './session/session.js';
import { createSessionKey } from './session/session-key.js';
import { detectTpm, type TpmAvailability } from './tpm/detect.js';
import { fallsBackToKeychain, firstKeyChoice, localTpmFailure, tpmRequiredError, tpmUnavailableError, tpmUnverifiableError } from './tpm/key-choice.js';
import type { TpmTools } from './tpm/tpm-tools.js';
import { createGatewayHttp, type GatewayHttp } from './transport/gateway-http.js';
import { createPinnedConnector, type TrustAnchors } from './transport/pinned-connector.js';
import { CA_FILES_DIR, caFilesIn } from './vault/ca-files.js';
import { createVault, type DeviceIdentity } from './vault/vault.js';

export interface AirlockClientDeps {
  keychain: Keychain;
  /** The app's data directory: wiped with the key on revocation and sign-out. */
  dataDir: DataDir;
  clock: Clock;
  random: RandomBytes;
  logger: Logger;
  attestation: AttestationCollector;
  /** Uniform [0, 1) for backoff jitter. */
  jitter?: () => number;
  controlBackoff?: { initialMs: number; maxMs: number };
  tlsTimeoutMs?: number;
  /**
   * The one gateway origin this app is built for, when it is: only that keychain entry is loaded
   * and only links for it are enrolled. Unset, the first Airlock entry in the keychain is used.
   */
  gateway?: string;
  /**
   * A TPM 2.0 for the device key (main/core/tpm/): enrollment makes the key there when the TPM is
   * usable, and falls back to the keychain where the gateway allows. Absent: keychain keys only.
   */
  tpm?: { tools: TpmTools; detect?: () => Promise<TpmAvailability> };
}

const TRUST_SUMMARY = {
  keychain:
    'Device key in the OS keychain with self-reported evidence: stops a shared token, a copied config file and a stolen access token, and makes this device visible and revocable. It does not stop someone who extracts the key from their own keychain.',
  tpm: 'Device key held in this computer\'s TPM, proven to the gateway: it cannot be copied to another machine. Each session uses a short-lived key kept in memory, which malware running as you could use until the session ends.',
} as const;

function sessionExpiry(session: Session): string | null {
  const expires = session.expiresAt();
  return expires === null ? null : new Date(expires).toISOString();
}

/** Why a chat was stopped by the core itself: the device was ended while it streamed. */
class EndedByRevocation {
  constructor(readonly code: RevokingCode, readonly message: string) {}
}

/** Everything that exists while this device is enrolled with one gateway. */
interface Connection {
  identity: DeviceIdentity;
  anchors: { pins: string[]; caPems: string[] };
  http: GatewayHttp;
  dpop: DpopClient;
  session: Session;
  control: ControlChannel;
  chats: Set<AbortController>;
  connected: boolean;
  /** The admin's reason from a `revoked` event, which outranks a generic error message. */
  eventReason?: string;
  /** A lock deleted the chat history: the conversations open afresh when the lock ends. */
  historyWiped?: boolean;
}

/**
 * The client core (main/core/api.ts): vault, attestation, pinned transport, session, control
 * channel and chat, wired for one gateway. Loads an existing enrollment from the keychain.
 */
export async function createAirlockClient(input: AirlockClientDeps): Promise<AirlockClient> {
  const deps = { ...input, logger: redacting(input.logger) };
  const { logger, clock } = deps;
  const vault = createVault({ keychain: deps.keychain, logger, cas: caFilesIn(join(deps.dataDir.path, CA_FILES_DIR)), random: deps.random, ...(deps.tpm ? { tpm: deps.tpm.tools } : {}) });
  const listeners = new Set<(state: ClientState) => void>();
  let state: ClientState = { kind: 'not-enrolled' };
  let connection: Connection | null = null;
  let revoking = false;
  // While an admin's lock holds: the wait that opens a session again when it ends (issue 13).
  let unlockWait: { cancel(): void } | null = null;
  let closed = false;
  /** The connection whose device is being retired: its own `revoked` event and refusals are expected. */
  let signingOut: Connection | null = null;
  let client: AirlockClient | null = null;
  const conversations = createConversations({
    chat: (request, signal) => {
      if (client === null) throw new Error('the client is not ready');
      return client.chat(request, signal);
    },
    history: createEncryptedHistory({ keychain: deps.keychain, dir: deps.dataDir.path, random: deps.random, logger }),
    now: () => clock.now(),
    random: deps.random,
    logger,
  });

  function setState(next: ClientState): void {
    state = next;
    for (const listener of [...listeners]) {
      try {
        listener(next);
      } catch (error) {
        logger.warn('client: a state listener threw', { error });
      }
    }
  }

  function enrolledState(c: Connection, policy?: ClientPolicy): ClientState {
    return {
      kind: 'enrolled',
      gateway: c.identity.record.gateway,
      deviceId: c.identity.record.deviceId,
      tester: c.identity.record.tester,
      policy: policy ?? c.identity.record.policy,
      sessionExpiresAt: sessionExpiry(c.session),
      connected: c.connected,
    };
  }

  function refresh(c: Connection): void {
    if (connection === c && !revoking && state.kind === 'enrolled') setState(enrolledState(c));
  }

  /**
   * Keeps a CA the transport adopted (first enrollment, or rotation to the backup pin) in the
   * enrollment record of the connection these anchors belong to; before that connection exists
   * (mid-enrollment) there is no record yet, and the CA reaches it through `acceptedCas`.
   */
  function storeAdoptedCas(anchors: Connection['anchors']): void {
    const c = connection;
    if (c === null || c.anchors !== anchors) return;
    void keepInRecord(c, { caPems: [...anchors.caPems] }, 'the rotated gateway CA');
  }

  /**
   * Changes the connection's enrollment record and stores it in the keychain; false (and a log
   * line naming `what`) when it could not be stored: the change holds in memory all the same.
   */
  function keepInRecord(c: Connection, change: Partial<EnrollmentRecord>, what: string): Promise<boolean> {
    c.identity = { ...c.identity, record: { ...c.identity.record, ...change } };
    return vault.updateRecord(c.identity.record).then(
      () => true,
      (error: unknown) => {
        logger.warn(`client: could not store ${what}`, { error });
        return false;
      },
    );
  }

  /**
   * Asks the gateway which CA pins it vouches for (`GET /v1/trust`) and keeps a staged next CA's
   * pin in the enrollment record, so this app follows `ca rotate --switch` even though its invite
   * carried one pin. Once per session start or renewal; a gateway without the route (older than
   * this app) or a failed call leaves the pins as they are.
   */
  async function learnAnnouncedPins(c: Connection): Promise<void> {
    if (connection !== c || revoking) return;
    let announced: string[];
    try {
      const parsed = trustAnchorsResponse.safeParse(await (await c.session.call({ method: 'GET', path: '/v1/trust' })).json());
      if (!parsed.success) return logger.warn('client: the gateway sent a malformed list of CA pins; the pins are kept as they are');
      announced = parsed.data.pins;
    } catch (error) {
      if (isAirlockError(error, 'not_found')) return; // an older gateway
      return logger.info('client: could not ask the gateway for its CA pins; will ask again at the next session', { error });
    }
    const pins = pinsAfterAnnouncement(c.anchors.pins, announced);
    if (pins === null || connection !== c) return;
    c.anchors.pins = pins;
    if (await keepInRecord(c, { pins }, 'the gateway’s next CA pin; will try again at the next session')) {
      logger.info('client: the gateway announced its next CA; its pin is kept for the rotation', { pins: pins.length });
    }
  }

  function makeTransport(anchors: Connection['anchors'], origin: string): GatewayHttp {
    const trust: TrustAnchors = {
      pins: () => anchors.pins,
      caPems: () => anchors.caPems,
      adopt(caPem) {
        if (!anchors.caPems.includes(caPem)) anchors.caPems = [...anchors.caPems, caPem].slice(-4);
        storeAdoptedCas(anchors);
      },
    };
    const connector = createPinnedConnector({ trust, now: () => new Date(clock.now()), logger, ...(deps.tlsTimeoutMs ? { timeoutMs: deps.tlsTimeoutMs } : {}) });
    return createGatewayHttp({ origin, connector });
  }

  /**
   * A TPM device's key, signing sessions: a TPM that fails is asked what is wrong (detect.ts), so
   * the tester reads what to do instead of "the gateway is not reachable".
   */
  function withTpmAdvice(signer: Es256Signer): Es256Signer {
    const tpm = deps.tpm;
    if (tpm === undefined) return signer;
    return {
      publicJwk: signer.publicJwk,
      async sign(input) {
        try {
          return await signer.sign(input);
        } catch (error) {
          const failed = localTpmFailure(error, tpm.tools.tcti);
          if (failed === null) throw error;
          const now = await (tpm.detect ?? (() => detectTpm({ tools: tpm.tools })))().catch(() => failed);
          throw tpmUnavailableError(now, error);
        }
      },
    };
  }

  function connect(identity: DeviceIdentity, reuse?: { http: GatewayHttp; dpop: DpopClient; anchors: Connection['anchors'] }): Connection {
    const anchors = reuse?.anchors ?? { pins: [...identity.record.pins], caPems: [...identity.record.caPems] };
    const http = reuse?.http ?? makeTransport(anchors, identity.record.gateway);
    const signer = (): Es256Signer => identity.signer;
    const dpop = reuse?.dpop ?? createDpopClient({ http, signer, clock, random: deps.random });
    const c = {} as Connection;
    const session = createSession({
      dpop,
      deviceId: identity.record.deviceId,
      signer: identity.keyStorage === 'tpm' ? withTpmAdvice(identity.signer) : identity.signer,
      salt: identity.record.salt,
      collect: async (salt) => ({ ...(await deps.attestation.collect(salt)), keyStorage: identity.keyStorage }),
      ...(identity.keyStorage === 'tpm' ? { sessionKey: createSessionKey } : {}),
      clock,
      random: deps.random,
      logger,
      onRevoked: (code, message) => void revoke(c, code, message),
      onLocked: (notice) => lock(c, notice),
      onRenewed: () => {
        refresh(c);
        // After the token is in place: the call below needs it, and must not hold up the session.
        setTimeout(() => void learnAnnouncedPins(c), 0);
      },
    });
    const control = createControlChannel({
      session,
      clock,
      random: deps.jitter ?? Math.random,
      logger,
      ...(deps.controlBackoff ? { backoff: deps.controlBackoff } : {}),
      onPolicy(policy) {
        void keepInRecord(c, { policy }, 'the new policy');
        void conversations.setPolicy(policy.chatHistory);
        refresh(c);
      },
      onRevoked: (reason) => void revokedByEvent(c, reason),
      onLocked: (notice) => lock(c, notice),
      onConnected(connected) {
        c.connected = connected;
        refresh(c);
      },
      onFatal: (error) => fail(error),
    });
    Object.assign(c, { identity, anchors, http, dpop, session, control, chats: new Set<AbortController>(), connected: false });
    return c;
  }

  function fail(error: unknown): void {
    const { code, message } = describeError(error);
    if (code === 'connection_not_trusted') logger.error('client: CONNECTION NOT TRUSTED; all gateway traffic stopped', { message });
    setState({ kind: 'error', code, message });
  }

  async function stop(c: Connection, reason?: { code: RevokingCode; message: string }): Promise<void> {
    c.control.stop();
    c.session.stop();
    for (const chat of c.chats) chat.abort(reason ? new EndedByRevocation(reason.code, reason.message) : undefined);
    c.chats.clear();
    await c.http.close().catch(() => undefined);
  }

  async function wipe(gateway: string): Promise<void> {
    await conversations.wipe().catch((error: unknown) => logger.error('client: could not delete the conversation history and its key', { error }));
    await vault.wipe(gateway).catch((error: unknown) => logger.error('client: could not delete the keychain entry', { error }));
    await deps.dataDir.wipe().catch((error: unknown) => logger.error('client: could not delete local data', { error }));
  }

  /**
   * The `revoked` event names the reason but not whether the device or its tester was ended. One
   * authenticated call (bounded to 500 ms) makes the gateway say which; either way the wipe follows.
   */
  async function revokedByEvent(c: Connection, reason: string): Promise<void> {
    c.eventReason = reason;
    const probe = c.session.call({ method: 'GET', path: '/v1/models' }).then((r) => r.discard(), () => undefined);
    await Promise.race([probe, new Promise((resolve) => setTimeout(resolve, 500))]);
    await revoke(c, 'device_revoked', reason);
  }

  /**
   * An admin locked this device or its tester (issue 13). Unlike a revocation the key stays: the
   * channel and answers in progress stop, the locked screen shows the admin's message and end,
   * and a session is tried again when the lock should be over. A lock that says so
   * (`wipeHistory`, issue 14) also deletes the chat history, its file and its key, at once.
   */
  function lock(c: Connection, notice: LockNotice): void {
    if (connection !== c || revoking || signingOut === c) return;
    logger.warn('client: an admin locked this device for now; the key stays', { until: notice.until, wipeHistory: notice.wipeHistory === true });
    c.control.stop();
    for (const chat of c.chats) chat.abort();
    c.chats.clear();
    const locked = { kind: 'locked' as const, gateway: c.identity.record.gateway, tester: c.identity.record.tester, message: notice.message, until: notice.until };
    setState({ ...locked, history: notice.wipeHistory ? 'deleting' : c.historyWiped ? 'deleted' : 'kept' });
    if (notice.wipeHistory) {
      c.historyWiped = true;
      conversations.wipe().then(
        () => {
          logger.warn('client: the admin’s lock asked for the chat history to be deleted; it is');
          if (connection === c && state.kind === 'locked') setState({ ...locked, history: 'deleted' });
        },
        (error: unknown) => {
          logger.error('client: could not delete the chat history the lock asked to delete', { error });
          if (connection === c && state.kind === 'locked') setState({ ...locked, history: 'delete-failed' });
        },
      );
    }
    unlockWait?.cancel();
    unlockWait = waitForUnlock({ clock, notice, attempt: () => tryUnlock(c) });
  }

  /** One authenticated call: it renews the session if needed, and is refused while the lock holds. */
  async function tryUnlock(c: Connection): Promise<UnlockAttempt> {
    if (connection !== c) return 'open';
    try {
      await (await c.session.call({ method: 'GET', path: '/v1/models' })).discard();
    } catch (error) {
      // device_locked has already re-entered lock() with the new notice, which waits again.
      return isAirlockError(error, 'device_locked') ? 'locked' : isAirlockError(error) && isRevokingCode(error.code) ? 'open' : 'retry';
    }
    if (connection !== c || state.kind !== 'locked') return 'open';
    logger.info('client: the lock has ended; back to chat');
    setState(enrolledState(c));
    c.control.start();
    if (c.historyWiped) {
      // The history was deleted with its key: from here on it is a new one, as after enrollment.
      c.historyWiped = false;
      await conversations.open(c.identity.record.gateway, c.identity.record.policy.chatHistory).catch((error: unknown) => logger.error('client: could not open the conversations', { error }));
    }
    return 'open';
  }

  async function revoke(c: Connection, code: RevokingCode, message: string): Promise<void> {
    if (connection !== c || revoking || signingOut === c) return;
    unlockWait?.cancel();
    const reason = c.eventReason ?? message;
    revoking = true;
    const gateway = c.identity.record.gateway;
    logger.warn('client: this device was ended by the gateway; deleting its key and local data', { code, reason });
    try {
      await stop(c, { code, message: reason });
      await wipe(gateway);
    } finally {
      connection = null;
      revoking = false;
      setState({ kind: 'revoked', gateway, reason, code, at: new Date(clock.now()).toISOString() });
    }
  }

  function start(c: Connection): void {
    connection = c;
    setState(enrolledState(c));
    c.control.start();
    conversations.open(c.identity.record.gateway, c.identity.record.policy.chatHistory).catch((error: unknown) => logger.error('client: could not open the conversations', { error }));
  }

  /**
   * `POST /v1/device/retire`: the gateway marks this device retired, audits it and cuts its
   * connections. A device the gateway has already ended needs no retiring. Anything else leaves
   * the device as it was and says why, so the tester can choose to wipe this computer anyway.
   */
  async function retire(c: Connection): Promise<void> {
    signingOut = c;
    try {
      const response = await c.session.call({ method: 'POST', path: '/v1/device/retire', body: () => '{}' });
      if (!retireResponse.safeParse(await response.json().catch(() => undefined)).success) throw new ClientError('network_error', 'The gateway gave an answer the app does not understand.');
    } catch (error) {
      if (isAirlockError(error) && isRevokingCode(error.code)) return;
      signingOut = null;
      const why = isAirlockError(error) ? error.message : 'The gateway is not reachable.';
      logger.warn('client: the gateway did not retire this device', { error });
      throw new ClientError('network_error', `${why} The gateway still lists this device as active, so nothing was deleted yet.`, { cause: error });
    }
  }

  /** An app built (or started) for one gateway refuses links for any other, saying which it is for. */
  function assertForThisApp(gateway: string): void {
    if (deps.gateway !== undefined && gateway !== deps.gateway) {
      throw new ClientError('wrong_gateway', `This app is set up for ${deps.gateway} only, and this invite is for ${gateway}.`);
    }
  }

  function requireConnection(): Connection {
    if (connection === null) throw new AirlockError('device_unknown');
    return connection;
  }

  // A restart: the keychain may already hold an enrollment.
  try {
    const identity = await vault.load(deps.gateway);
    if (identity !== null) start(connect(identity));
  } catch (error) {
    fail(error);
  }

  client = {
    conversations,
    state: () => state,

    onState(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async previewInvite(link) {
      const invite = parseInviteLink(link);
      assertForThisApp(invite.gateway);
      // The gateway is asked for a challenge (a nonce: nothing is spent), over the link's pins:
      // a link for another gateway, a wrong pin, or a used, expired or revoked invite is refused
      // now, before the tester is asked to confirm anything.
      const http = makeTransport({ pins: [...invite.pins], caPems: [] }, invite.gateway);
      try {
        const response = await http.request({ method: 'POST', path: '/v1/enroll/challenge', body: JSON.stringify({ code: invite.code }) });
        if (response.status < 200 || response.status >= 300) throw await errorFromResponse(response);
        await response.discard();
      } catch (error) {
        if (error instanceof AirlockError || error instanceof ClientError) throw error;
        throw new ClientError('network_error', `The gateway ${new URL(invite.gateway).host} could not be reached (${error instanceof Error ? error.message : String(error)}). Check your network, then try again; if it keeps failing, ask your admin whether the gateway is up.`, { cause: error });
      } finally {
        await http.close().catch(() => undefined);
      }
      return { gateway: invite.gateway, host: new URL(invite.gateway).host, pins: invite.pins };
    },

    async enroll(link) {
      if (closed) throw new ClientError('network_error', 'The client is closed.');
      if (connection !== null) throw new AirlockError('bad_request', `This device is already enrolled with ${connection.identity.record.gateway}. Sign out first.`);
      let invite;
      try {
        invite = parseInviteLink(link);
      } catch (error) {
        fail(error);
        throw error;
      }
      try {
        assertForThisApp(invite.gateway);
      } catch (error) {
        fail(error);
        throw error;
      }
      const anchors = { pins: [...invite.pins], caPems: [] as string[] };
      let identity: DeviceIdentity | null = null;
      const http = makeTransport(anchors, invite.gateway);
      const dpop = createDpopClient({
        http,
        signer: () => {
          if (identity === null) throw new Error('no device key yet');
          return identity.signer;
        },
        clock,
        random: deps.random,
      });
      let saved: Promise<void>;
      try {
        setState({ kind: 'enrolling', step: 'challenge' });
        const tpm = deps.tpm;
        const availability = tpm ? await (tpm.detect ?? (() => detectTpm({ tools: tpm.tools })))() : null;
        if (availability !== null && !availability.usable) logger.info('client: the TPM cannot be used; enrolling with a keychain key', { reason: availability.reason });
        const keychainUsable = vault.assertUsable();
        keychainUsable.catch(() => undefined);
        const enrollWith = (useTpm: boolean) =>
          enrollDevice({
            invite,
            http,
            dpop,
            vault,
            keychainUsable,
            collect: (salt) => deps.attestation.collect(salt),
            warm: () => deps.attestation.warm(),
            acceptedCas: () => anchors.caPems,
            now: () => clock.now(),
            onStep: (step) => {
              if (state.kind !== 'enrolling' || state.step !== step) setState({ kind: 'enrolling', step });
            },
            ...(useTpm && tpm ? { tpm: tpm.tools } : {}),
          });
        // Asked only where a TPM key could be made: the default policy trusts no TPM maker, and
        // making an EK, AK and key there would take seconds only to be refused.
        const stance = availability?.usable === true ? await gatewayTpmKeysStance(http, invite.code) : null;
        if (stance === 'not-verified') logger.info('client: the gateway verifies no TPM keys; enrolling with a keychain key');
        const first = firstKeyChoice(availability, stance);
        try {
          ({ identity, saved } = await enrollWith(first === 'tpm'));
        } catch (error) {
          const failedTpm = first === 'tpm' && tpm ? localTpmFailure(error, tpm.tools.tcti) : null;
          if (first === 'tpm' && ((isAirlockError(error) && fallsBackToKeychain(error.code)) || failedTpm !== null)) {
            if (failedTpm !== null) logger.warn('client: the TPM failed during enrollment; trying a keychain key', { error });
            else logger.warn('client: the gateway does not trust this TPM; trying a keychain key', { code: (error as AirlockError).code });
            try {
              ({ identity, saved } = await enrollWith(false));
            } catch (second) {
              // The policy wants a TPM after all: the TPM's refusal (or failure) is the reason to show.
              if (!isAirlockError(second, 'tpm_required')) throw second;
              throw failedTpm !== null ? tpmRequiredError(failedTpm) : error;
            }
          } else if (first === 'keychain' && availability !== null && isAirlockError(error, 'tpm_required')) {
            throw availability.usable && stance === 'not-verified' ? tpmUnverifiableError() : tpmRequiredError(availability);
          } else {
            throw error;
          }
        }
      } catch (error) {
        await http.close().catch(() => undefined);
        fail(error);
        throw error;
      }
      // The first session goes out while the keychain stores the key (a D-Bus round trip or
      // more); the device counts as enrolled only once both are done.
      saved.catch(() => undefined);
      const c = connect(identity, { http, dpop, anchors });
      connection = c;
      setState({ kind: 'enrolling', step: 'session' });
      const [stored, first] = await Promise.allSettled([saved, c.session.ensure()]);
      if (stored.status === 'rejected') {
        // Without the key in the keychain this device could not come back after a restart.
        if (connection === c) {
          connection = null;
          await stop(c);
          fail(stored.reason);
        }
        throw stored.reason;
      }
      logger.info('client: enrolled', { gateway: invite.gateway, deviceId: identity.record.deviceId });
      if (first.status === 'rejected') {
        if (connection !== c) return state;
        logger.warn('client: enrolled, but the first session failed; the control channel will retry', { error: first.reason });
      }
      start(c);
      return state;
    },

    async listModels() {
      const c = requireConnection();
      const response = await c.session.call({ method: 'GET', path: '/v1/models' });
      const list = modelList.safeParse(await response.json());
      if (!list.success) throw new AirlockError('bad_request', 'The gateway sent a malformed model list.');
      return list.data.data.map((m) => ({ id: m.id, demo: m.airlock_demo === true }));
    },

    chat(request, signal) {
      return (async function* (): AsyncGenerator<ChatDelta> {
        const c = connection;
        if (c === null) {
          yield { type: 'error', code: 'device_unknown', message: 'This device is not enrolled. Enroll with an invite link.' };
          return;
        }
        const controller = new AbortController();
        const forward = (): void => controller.abort();
        signal?.addEventListener('abort', forward, { once: true });
        if (signal?.aborted) controller.abort();
        c.chats.add(controller);
        try {
          for await (const delta of streamChat({ session: c.session, logger, onRevoked: (code, message) => void revoke(c, code, message) }, request, controller.signal)) {
            const reason: unknown = controller.signal.reason;
            // A chat stopped because the device was revoked says so, not "cancelled".
            if (delta.type === 'error' && delta.code === 'cancelled' && reason instanceof EndedByRevocation) {
              yield { type: 'error', code: reason.code, message: reason.message };
              return;
            }
            yield delta;
          }
        } finally {
          c.chats.delete(controller);
          signal?.removeEventListener('abort', forward);
        }
      })();
    },

    async deviceStatus(): Promise<DeviceStatus> {
      const c = requireConnection();
      const record = c.identity.record;
      const evidence = c.session.evidence() ?? (await deps.attestation.collect(record.salt));
      return {
        gateway: record.gateway,
        deviceId: record.deviceId,
        tester: record.tester,
        pins: [...record.pins],
        evidence,
        sessionExpiresAt: sessionExpiry(c.session),
        trustLevel: { keyStorage: evidence.keyStorage, summary: TRUST_SUMMARY[c.identity.keyStorage] },
        policy: record.policy,
        history: conversations.historyStatus(),
      };
    },

    async signOut(options = {}) {
      const c = connection;
      if (c === null) return;
      if (options.localOnly !== true) await retire(c);
      // An admin's revocation may have ended it meanwhile; that path wiped already.
      if (connection !== c) return;
      connection = null;
      try {
        await stop(c);
        await wipe(c.identity.record.gateway);
      } finally {
        signingOut = null;
      }
      setState({ kind: 'not-enrolled' });
    },

    async close() {
      closed = true;
      unlockWait?.cancel();
      const c = connection;
      if (c !== null) await stop(c);
      conversations.close();
      // The history writes asked for before the close end before the app may exit.
      await conversations.saved();
      listeners.clear();
    },
  };
  return client;
}

