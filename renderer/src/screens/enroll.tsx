import { useEffect, useId, useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import type { AirlockApi, ClientState, InvitePreview } from '../../../main/ipc/contract.js';
import { FailureNotice, type Failure } from '../components/failure-notice.js';
import { Frame } from '../components/frame.js';

const STEPS: Record<Extract<ClientState, { kind: 'enrolling' }>['step'], string> = {
  challenge: 'Asking the gateway for a challenge…',
  attest: 'Creating this device’s key in your keychain and signing the device report…',
  enroll: 'Enrolling this device…',
  session: 'Opening a session…',
};

/**
 * Paste an invite (or arrive by deep link), see exactly which gateway and pin it names, then
 * confirm. Nothing touches the network before the confirmation.
 */
export function EnrollScreen({ api, state, initialLink }: { api: AirlockApi; state: ClientState; initialLink: string | null }): ReactNode {
  const inputId = useId();
  const [link, setLink] = useState(initialLink ?? '');
  const [preview, setPreview] = useState<InvitePreview | null>(null);
  const [failure, setFailure] = useState<Failure | null>(state.kind === 'error' ? { code: state.code, message: state.message } : null);
  const [busy, setBusy] = useState(false);

  const check = async (candidate: string) => {
    setFailure(null);
    setPreview(null);
    const result = await api.previewInvite(candidate.trim());
    if (result.ok) setPreview(result.value);
    else setFailure({ code: result.code, message: result.message });
  };

  useEffect(() => {
    if (initialLink) {
      setLink(initialLink);
      void check(initialLink);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [initialLink]);

  const onCheck = (event: FormEvent) => {
    event.preventDefault();
    void check(link);
  };

  const onConfirm = async () => {
    setBusy(true);
    setFailure(null);
    const result = await api.enroll(link.trim());
    setBusy(false);
    // A failed enrollment closes the confirmation: retrying the same link is rarely the answer.
    if (!result.ok) {
      setFailure({ code: result.code, message: result.message });
      setPreview(null);
    } else if (result.value.kind === 'error') {
      setFailure({ code: result.value.code, message: result.value.message });
      setPreview(null);
    }
  };

  const enrolling = state.kind === 'enrolling' || busy;

  return (
    <Frame>
      <main className="screen narrow" data-screen="enroll">
        <h1>Enroll this device</h1>
        <p className="lead">Paste the invite link your admin sent you. It starts with <code>airlock://enroll</code>.</p>
        <form onSubmit={onCheck} className="stack">
          <label htmlFor={inputId} className="label">Invite link</label>
          <textarea
            id={inputId}
            className="input mono"
            rows={3}
            value={link}
            spellCheck={false}
            autoFocus
            disabled={enrolling}
            onChange={(event) => {
              setLink(event.target.value);
              setPreview(null);
            }}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && !event.shiftKey) {
                event.preventDefault();
                void check(link);
              }
            }}
            placeholder="airlock://enroll?gw=…&code=…&pin=sha256/…"
          />
          {!preview ? (
            <div className="row">
              <button type="submit" className="button primary" disabled={!link.trim() || enrolling}>Check link</button>
            </div>
          ) : null}
        </form>

        {preview ? (
          <section className="card confirm" aria-labelledby={`${inputId}-confirm`}>
            <h2 id={`${inputId}-confirm`}>Confirm the gateway</h2>
            <p>This invite enrolls this device with:</p>
            <dl className="facts">
              <dt>Gateway</dt>
              <dd className="mono" data-testid="invite-gateway">{preview.gateway}</dd>
              <dt>{preview.pins.length > 1 ? 'Certificate pins' : 'Certificate pin'}</dt>
              <dd className="mono" data-testid="invite-pin">{preview.pins.map((pin) => <div key={pin}>{pin}</div>)}</dd>
            </dl>
            <p className="muted">
              Continue only if this is the gateway your admin told you about. The app will trust only a
              certificate with this pin, and it creates a device key in your system keychain.
            </p>
            <div className="row">
              <button type="button" className="button primary" onClick={() => void onConfirm()} disabled={enrolling} autoFocus>
                {enrolling ? 'Enrolling…' : 'Enroll this device'}
              </button>
              <button type="button" className="button" onClick={() => setPreview(null)} disabled={enrolling}>Cancel</button>
            </div>
          </section>
        ) : null}

        {state.kind === 'enrolling' ? <p className="muted" role="status">{STEPS[state.step]}</p> : null}

        {failure ? <FailureNotice title={failure.code === 'connection_not_trusted' ? 'Connection not trusted' : 'Enrollment did not work'} failure={failure} /> : null}
      </main>
    </Frame>
  );
}
