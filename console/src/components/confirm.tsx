import { useEffect, useRef, useState } from 'react';

/**
 * The confirmation every action goes through: it says what will be cut, in words, and offers an
 * optional text (the reason or message) before the one button that acts.
 */
export interface DialogField {
  name: string;
  label: string;
  /** A select's choices as [value, label]; without, a text input. */
  options?: [string, string][];
}

/** The usual two texts of an action: what the tester is shown, and what stays in the audit log only. */
export const MESSAGE_AND_NOTE: DialogField[] = [
  { name: 'reason', label: 'Message shown to the tester (optional)' },
  { name: 'note', label: 'Note for the audit log only (optional)' },
];

export function ConfirmDialog(props: {
  title: string;
  consequences: string[];
  action: string;
  fields?: DialogField[];
  onConfirm: (values: Record<string, string>) => Promise<void>;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries((props.fields ?? []).map((f) => [f.name, f.options?.[0]?.[0] ?? ''])));
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
      {(props.fields ?? []).map((f) => (
        <label className="field" key={f.name}>
          {f.label}
          {f.options ? (
            <select value={values[f.name]} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}>
              {f.options.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          ) : (
            <input value={values[f.name]} maxLength={500} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })} />
          )}
        </label>
      ))}
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
            props.onConfirm(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.trim()]))).then(
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
