import { useEffect, useId, useRef, useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import type { AirlockApi, ClientState, InvitePreview } from '../../../main/ipc/contract.js';
import { FailureNotice, type Failure } from '../components/failure-notice.js';
import { Frame, Notice } from '../components/frame.js';

const STEPS: Record<Extract<ClientState, { kind: 'enrolling' }>['step'], string> = {
  challenge: 'Asking the gateway for a challenge…',
  attest: 'Creating this device’s key in your keychain and signing the device report…',
  enroll: 'Enrolling this device…',
  session: 'Opening a session…',
};

/**
 * Paste an invite (or arrive by deep link). "Check link" asks the link's gateway for a challenge
 * (nothing is spent), so a link for another gateway or a used invite is refused here, before any
 * confirmation. Then the gateway and pin are shown; "Enroll this device…" asks main, which
 * confirms with the tester outside this window before a key is made or the invite used.
 */
/** The notice's title: a refusal about this computer's TPM says so (the message says what to do). */
function failureTitle(failure: { code: string; title: string }): string {
  if (failure.code === 'connection_not_trusted') return 'Connection not trusted';
  if (failure.code === 'tpm_required') return 'This gateway needs a TPM-bound key';
  if (failure.code === 'tpm_ek_untrusted') return 'This computer\u2019s TPM is not trusted by the gateway';
  return failure.title;
}

export function EnrollScreen({ api, state, initialLink, onFinished, onBack }: {
  api: AirlockApi;
  state: ClientState;
  /** The link main wants shown (deep link), or one pasted in the chat. */
  initialLink: string | null;
  /** Done with main's link (enrolled, cancelled, refused): main then offers the next one. */
  onFinished: (link: string) => void;
  /** Back to the Device screen, when enrolled already ("Use another invite"). */
  onBack?: () => void;
}): ReactNode {
  const inputId = useId();
  const [link, setLink] = useState(initialLink ?? '');
  const [preview, setPreview] = useState<InvitePreview | null>(null);
  const [failure, setFailure] = useState<(Failure & { title: string }) | null>(state.kind === 'error' ? { code: state.code, message: state.message, title: 'Enrollment did not work' } : null);
  const [cancelled, setCancelled] = useState(false);
  const [checking, setChecking] = useState(false);
  const [busy, setBusy] = useState(false);
  const confirmHeading = useRef<HTMLHeadingElement>(null);

  const check = async (candidate: string) => {
    setFailure(null);
    setCancelled(false);
    setPreview(null);
    setChecking(true);
    const result = await api.previewInvite(candidate.trim());
    setChecking(false);
    if (result.ok) setPreview(result.value);
    else setFailure({ code: result.code, message: result.message, title: 'This invite cannot be used' });
  };

  useEffect(() => {
    if (initialLink) {
      setLink(initialLink);
      void check(initialLink);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [initialLink]);

  // The confirmation takes focus on its heading, never on the enroll button: one Enter must not enroll.
  useEffect(() => {
    if (preview) confirmHeading.current?.focus();
  }, [preview]);

  const finish = () => {
    if (initialLink) onFinished(initialLink);
  };

  const onCheck = (event: FormEvent) => {
    event.preventDefault();
    void check(link);
  };

  const onConfirm = async () => {
    setBusy(true);
    setFailure(null);
    setCancelled(false);
    const result = await api.enroll(link.trim());
    setBusy(false);
    if (!result.ok && result.code === 'not_confirmed') {
      // The tester said no in main's dialog: nothing was spent, the confirmation stays.
      setCancelled(true);
      return;
    }
    if (!result.ok) {
      // A failed enrollment closes the confirmation: retrying the same link is rarely the answer.
      setFailure({ code: result.code, message: result.message, title: 'Enrollment did not work' });
      setPreview(null);
    } else if (result.value.kind === 'error') {
      setFailure({ code: result.value.code, message: result.value.message, title: 'Enrollment did not work' });
      setPreview(null);
    }
    finish();
  };

  const enrolling = state.kind === 'enrolling' || busy;

  return (
    <Frame actions={onBack ? <button type="button" className="button ghost" onClick={onBack}>Back</button> : undefined}>
      <main className="screen narrow" data-screen="enroll">
        <h1>{onBack ? 'Use another invite' : 'Enroll this device'}</h1>
        <p className="lead">Paste the invite link your admin sent you. It starts with <code>airlock://enroll</code>.</p>
        {onBack && state.kind === 'enrolled' ? (
          <p className="muted">This device is enrolled with <span className="mono">{state.gateway}</span>. Enrolling with a new invite signs it out there first.</p>
        ) : null}
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
              setCancelled(false);
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
              <button type="submit" className="button primary" disabled={!link.trim() || enrolling || checking}>{checking ? 'Checking with the gateway…' : 'Check link'}</button>
            </div>
          ) : null}
        </form>

        {preview ? (
          <section className="card confirm" aria-labelledby={`${inputId}-confirm`}>
            <h2 id={`${inputId}-confirm`} ref={confirmHeading} tabIndex={-1}>Confirm the gateway</h2>
            <p>The gateway answered for this invite. It enrolls this device with:</p>
            <dl className="facts">
              <dt>Gateway</dt>
              <dd className="mono" data-testid="invite-gateway">{preview.gateway}</dd>
              <dt>{preview.pins.length > 1 ? 'Certificate pins' : 'Certificate pin'}</dt>
              <dd className="mono" data-testid="invite-pin">{preview.pins.map((pin) => <div key={pin}>{pin}</div>)}</dd>
            </dl>
            <p className="muted">
              Continue only if this is the gateway your admin told you about. The app will trust only a
              certificate with this pin, and it creates a device key in your system keychain. It asks
              you once more, outside this window, before it does.
            </p>
            <div className="row">
              <button type="button" className="button primary" onClick={() => void onConfirm()} disabled={enrolling}>
                {enrolling ? 'Enrolling…' : 'Enroll this device…'}
              </button>
              <button
                type="button"
                className="button"
                onClick={() => {
                  setPreview(null);
                  setCancelled(false);
                  finish();
                }}
                disabled={enrolling}
              >
                Cancel
              </button>
            </div>
          </section>
        ) : null}

        {cancelled ? (
          <Notice tone="info" title="Not enrolled">
            <p>You cancelled the confirmation. No key was made and the invite was not used.</p>
          </Notice>
        ) : null}

        {state.kind === 'enrolling' ? <p className="muted" role="status">{STEPS[state.step]}</p> : null}

        {failure ? <FailureNotice title={failureTitle(failure)} failure={failure} /> : null}
      </main>
    </Frame>
  );
}
