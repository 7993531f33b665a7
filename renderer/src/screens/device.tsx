import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import type { AirlockApi, ClientState, DeviceStatus } from '../../../main/ipc/contract.js';
import { FailureNotice, type Failure } from '../components/failure-notice.js';
import { Frame } from '../components/frame.js';

type Enrolled = Extract<ClientState, { kind: 'enrolled' }>;

/** DESIGN.md's trust levels, in plain words. */
const TRUST: Record<DeviceStatus['trustLevel']['keyStorage'], { label: string; stops: string; doesNot: string }> = {
  keychain: {
    label: 'Software key in your system keychain',
    stops: 'It stops a shared token, a copied config file and a stolen access token from working, and makes this device and each session visible to your admin and revocable at once.',
    doesNot: 'It does not stop someone who can extract the key from this computer’s keychain, or malware running as you.',
  },
  tpm: {
    label: 'Hardware-bound key (TPM 2.0)',
    stops: 'The key cannot be copied off this machine, and the platform vouches for it.',
    doesNot: 'It does not stop someone using this machine while you are signed in.',
  },
  'secure-enclave': {
    label: 'Hardware-bound key (Secure Enclave)',
    stops: 'The key cannot be copied off this Mac, and the platform vouches for it.',
    doesNot: 'It does not stop someone using this Mac while you are signed in.',
  },
};

const yesNo = (value: boolean) => (value ? 'yes' : 'no');

export function DeviceScreen({ api, state, onBack }: { api: AirlockApi; state: Enrolled; onBack: () => void }): ReactNode {
  const [status, setStatus] = useState<DeviceStatus | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [confirmSignOut, setConfirmSignOut] = useState(false);

  useEffect(() => {
    let live = true;
    void api.deviceStatus().then((result) => {
      if (!live) return;
      if (result.ok) setStatus(result.value);
      else setFailure({ code: result.code, message: result.message });
    });
    return () => {
      live = false;
    };
  }, [api, state.sessionExpiresAt]);

  const signOut = async () => {
    const result = await api.signOut();
    if (!result.ok) setFailure({ code: result.code, message: result.message });
  };

  const actions = <button type="button" className="button ghost" onClick={onBack} autoFocus>Back to chat</button>;
  const trust = status ? TRUST[status.trustLevel.keyStorage] : null;
  const expires = status?.sessionExpiresAt ?? state.sessionExpiresAt;

  return (
    <Frame actions={actions}>
      <main className="screen" data-screen="device">
        <h1>This device</h1>
        {failure ? <FailureNotice title="Could not read the device status" failure={failure} /> : null}
        <div className="grid">
          <section className="card">
            <h2>Enrollment</h2>
            <dl className="facts">
              <dt>Tester</dt>
              <dd>{state.tester}</dd>
              <dt>Device id</dt>
              <dd className="mono">{state.deviceId}</dd>
              <dt>Gateway</dt>
              <dd className="mono">{state.gateway}</dd>
              <dt>Certificate pin</dt>
              <dd className="mono">{status ? status.pins.map((pin) => <div key={pin}>{pin}</div>) : '…'}</dd>
              <dt>Session</dt>
              <dd>{expires ? `expires ${new Date(expires).toLocaleString()}` : 'no session open'}{state.connected ? ' · connected' : ' · reconnecting'}</dd>
            </dl>
          </section>
          <section className="card">
            <h2>Trust level</h2>
            {trust && status ? (
              <>
                <p><strong data-testid="trust-label">{trust.label}</strong></p>
                <p>{trust.stops}</p>
                <p className="muted">{trust.doesNot}</p>
              </>
            ) : <p className="muted">…</p>}
          </section>
          <section className="card span">
            <h2>What the gateway was told</h2>
            <p className="muted small">The app reports this, signed with the device key, at enrollment and at every session.</p>
            {status ? (
              <dl className="facts two-col">
                <dt>Platform</dt><dd>{status.evidence.platform} {status.evidence.arch}</dd>
                <dt>OS release</dt><dd>{status.evidence.osRelease}</dd>
                <dt>App version</dt><dd>{status.evidence.appVersion}</dd>
                <dt>Build</dt><dd className="mono">{status.evidence.buildId === 'dev' ? 'development build' : status.evidence.buildId}</dd>
                <dt>Packaged</dt><dd>{yesNo(status.evidence.packaged)}</dd>
                <dt>Disk encryption</dt><dd>{status.evidence.diskEncryption}</dd>
                <dt>Debugger attached</dt><dd>{yesNo(status.evidence.debugger)}</dd>
                <dt>Key storage</dt><dd>{status.evidence.keyStorage}</dd>
                <dt>Machine id</dt><dd className="mono">hashed with the gateway’s salt: {status.evidence.machineIdHash.slice(0, 12)}…</dd>
              </dl>
            ) : <p className="muted">…</p>}
          </section>
          <section className="card span">
            <h2>Policy from the gateway</h2>
            <dl className="facts two-col">
              <dt>Watermark</dt><dd>{state.policy.watermark ? 'on' : 'off'}</dd>
              <dt>Screen-capture protection</dt><dd>{state.policy.contentProtection ? 'on' : 'off'}</dd>
              <dt>Local chat history</dt><dd>{state.policy.chatHistory === 'none' ? 'not kept' : 'kept, encrypted'}</dd>
              <dt>Token lifetime</dt><dd>{Math.round(state.policy.tokenLifetimeSeconds / 60)} min</dd>
            </dl>
          </section>
        </div>
        <section className="danger-zone">
          {confirmSignOut ? (
            <div className="row">
              <span>Delete this device’s key and local data? You will need a new invite to come back.</span>
              <button type="button" className="button danger" onClick={() => void signOut()} autoFocus>Delete and sign out</button>
              <button type="button" className="button" onClick={() => setConfirmSignOut(false)}>Keep</button>
            </div>
          ) : (
            <button type="button" className="button" onClick={() => setConfirmSignOut(true)}>Sign out of this device…</button>
          )}
        </section>
      </main>
    </Frame>
  );
}
