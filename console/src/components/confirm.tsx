import { useEffect, useRef, useState } from 'react';

/**
 * The confirmation every action goes through: it says what will be cut, in words, and offers an
 * optional text (the reason or message) before the one button that acts.
 */
export function ConfirmDialog(props: {
  title: string;
  consequences: string[];
  action: string;
  textLabel?: string;
  onConfirm: (text: string) => Promise<void>;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    <dialog ref={dialog} className="confirm" onClose={props.onClose} aria-labelledby="confirm-title">
      <h2 id="confirm-title">{props.title}</h2>
      <ul>
        {props.consequences.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
      {props.textLabel && (
        <label className="field">
          {props.textLabel}
          <input value={text} maxLength={500} onChange={(e) => setText(e.target.value)} />
        </label>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="buttons">
        <button type="button" onClick={() => dialog.current?.close()} disabled={busy}>
          Cancel
        </button>
        <button
          type="button"
          className="danger"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            setError(null);
            props.onConfirm(text.trim()).then(
              () => dialog.current?.close(),
              (e: unknown) => {
                setBusy(false);
                setError(e instanceof Error ? e.message : String(e));
              },
            );
          }}
        >
          {props.action}
        </button>
      </div>
    </dialog>
  );
}
