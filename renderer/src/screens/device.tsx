import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import type { AirlockApi, ClientState, DeviceStatus, HistoryStatus } from '../../../main/ipc/contract.js';
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
    stops: 'The key was made in this computer’s TPM and cannot be copied off it; the gateway checked the TPM’s certificate before enrolling it.',
    doesNot: 'It does not stop someone using this machine while you are signed in, or malware running as you from using the current session’s short-lived key until the session ends.',
  },
  'secure-enclave': {
    label: 'Hardware-bound key (Secure Enclave)',
    stops: 'The key cannot be copied off this Mac, and the platform vouches for it.',
    doesNot: 'It does not stop someone using this Mac while you are signed in.',
  },
};

const yesNo = (value: boolean) => (value ? 'yes' : 'no');

/** What the app actually does with conversations, never merely what the policy asks for. */
function historyText(policy: 'none' | 'encrypted', history: HistoryStatus | undefined): string {
  if (policy === 'none') return 'not kept: conversations last only while the app runs, nothing is written to disk';
  if (!history) return '…';
  if (history.kept) return 'kept on this computer, encrypted (AES-256-GCM, key in your system keychain); deleted with the device key';
  return `not kept: ${history.problem ?? 'conversations last only while the app runs'}`;
}

export function DeviceScreen({ api, state, onBack, onUseAnotherInvite }: { api: AirlockApi; state: Enrolled; onBack: () => void; onUseAnotherInvite: () => void }): ReactNode {
  const [status, setStatus] = useState<DeviceStatus | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [confirmSignOut, setConfirmSignOut] = useState(false);
  const [signingOut, setSigningOut] = useState(false);
  const [signOutFailure, setSignOutFailure] = useState<Failure | null>(null);

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

  // The gateway is told first (the device becomes `retired` there); only then is this computer wiped.
  const signOut = async (localOnly: boolean) => {
    setSigningOut(true);
    const result = await api.signOut(localOnly ? { localOnly: true } : undefined);
    setSigningOut(false);
    // A "Cancel" in main's confirmation: nothing was deleted, nothing to report.
    if (!result.ok && result.code === 'not_confirmed') setConfirmSignOut(false);
    else if (!result.ok) setSignOutFailure({ code: result.code, message: result.message });
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
              <dt>Local chat history</dt><dd data-testid="history-status">{historyText(state.policy.chatHistory, status?.history)}</dd>
              <dt>Token lifetime</dt><dd>{Math.round(state.policy.tokenLifetimeSeconds / 60)} min</dd>
            </dl>
          </section>
        </div>
        <section className="row">
          <button type="button" className="button" onClick={onUseAnotherInvite}>Use another invite…</button>
        </section>
        <section className="danger-zone">
          {signOutFailure ? (
            <>
              <FailureNotice title="The gateway was not told that you signed out" failure={signOutFailure} />
              <div className="row">
                <span>Your admin will still see this device as active until they revoke it.</span>
                <button type="button" className="button danger" onClick={() => void signOut(true)} disabled={signingOut}>Wipe this computer anyway</button>
                <button type="button" className="button" onClick={() => void signOut(false)} disabled={signingOut}>Retry</button>
                <button type="button" className="button" onClick={() => { setSignOutFailure(null); setConfirmSignOut(false); }}>Keep</button>
              </div>
            </>
          ) : confirmSignOut ? (
            <div className="row">
              <span>Sign this device out at the gateway and delete its key, conversations and local data? You will need a new invite to come back.</span>
              <button type="button" className="button danger" onClick={() => void signOut(false)} disabled={signingOut} autoFocus>{signingOut ? 'Signing out…' : 'Delete and sign out'}</button>
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
