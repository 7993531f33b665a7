import { useCallback, useEffect, useId, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import type { AirlockApi, ClientState, ModelInfo } from '../../../main/ipc/contract.js';
import type { ChatMessage } from '../../../protocol/schemas/chat.js';
import { FailureNotice, type Failure } from '../components/failure-notice.js';
import { Frame, Notice } from '../components/frame.js';
import { Watermark } from '../components/watermark.js';
import { Markdown } from '../markdown.js';

interface Turn {
  role: 'user' | 'assistant';
  content: string;
  streaming?: boolean;
  stopped?: boolean;
  error?: Failure;
}

type Enrolled = Extract<ClientState, { kind: 'enrolled' }>;

/** The conversation so far as the model should see it: finished turns only. */
function history(turns: Turn[]): ChatMessage[] {
  return turns
    .filter((turn) => !turn.error && !turn.streaming && turn.content.length > 0)
    .map((turn) => ({ role: turn.role, content: turn.content }));
}

export function ChatScreen({ api, state, onShowDevice }: { api: AirlockApi; state: Enrolled; onShowDevice: () => void }): ReactNode {
  const pickerId = useId();
  const composerId = useId();
  const [models, setModels] = useState<ModelInfo[]>([]);
  const [model, setModel] = useState('');
  const [modelsError, setModelsError] = useState<Failure | null>(null);
  const [turns, setTurns] = useState<Turn[]>([]);
  const [draft, setDraft] = useState('');
  const cancel = useRef<(() => void) | null>(null);
  const log = useRef<HTMLDivElement>(null);
  const composer = useRef<HTMLTextAreaElement>(null);
  const streaming = turns.some((turn) => turn.streaming);

  useEffect(() => {
    let live = true;
    void api.listModels().then((result) => {
      if (!live) return;
      if (result.ok) {
        setModels(result.value);
        setModel((current) => current || result.value[0]?.id || '');
      } else setModelsError({ code: result.code, message: result.message });
    });
    return () => {
      live = false;
      cancel.current?.();
    };
  }, [api]);

  const stop = useCallback(() => {
    cancel.current?.();
  }, []);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && cancel.current) {
        event.preventDefault();
        stop();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [stop]);

  useEffect(() => {
    log.current?.scrollTo({ top: log.current.scrollHeight });
  }, [turns]);

  const send = () => {
    const text = draft.trim();
    if (!text || !model || streaming) return;
    const messages: ChatMessage[] = [...history(turns), { role: 'user', content: text }];
    setDraft('');
    setTurns((current) => [...current, { role: 'user', content: text }, { role: 'assistant', content: '', streaming: true }]);
    const updateLast = (change: (turn: Turn) => Turn) =>
      setTurns((current) => current.map((turn, index) => (index === current.length - 1 ? change(turn) : turn)));
    cancel.current = api.chat({ model, messages }, (delta) => {
      if (delta.type === 'delta') updateLast((turn) => ({ ...turn, content: turn.content + delta.content }));
      else {
        cancel.current = null;
        if (delta.type === 'done') updateLast((turn) => ({ ...turn, streaming: false }));
        else if (delta.code === 'cancelled') updateLast((turn) => ({ ...turn, streaming: false, stopped: true }));
        else updateLast((turn) => ({ ...turn, streaming: false, error: { code: delta.code, message: delta.message } }));
        composer.current?.focus();
      }
    });
  };

  const actions = (
    <>
      <label htmlFor={pickerId} className="visually-hidden">Model</label>
      <select id={pickerId} className="select" value={model} onChange={(event) => setModel(event.target.value)} disabled={streaming || models.length === 0}>
        {models.length === 0 ? <option value="">No models</option> : null}
        {models.map((info) => (
          <option key={info.id} value={info.id}>{info.demo ? `${info.id} (demo)` : info.id}</option>
        ))}
      </select>
      <button type="button" className="button ghost" onClick={onShowDevice}>Device</button>
    </>
  );

  return (
    <Frame actions={actions} wide>
      <main className="chat" data-screen="chat">
        {state.policy.watermark ? <Watermark tester={state.tester} deviceId={state.deviceId} /> : null}
        {!state.connected ? (
          <Notice tone="warning" title="Reconnecting to the gateway">
            <p>Answers may fail until the connection is back. Check your network if this lasts.</p>
          </Notice>
        ) : null}
        {modelsError ? <FailureNotice title="Could not load the models" failure={modelsError} /> : null}
        <div className="log" ref={log} aria-live="polite" aria-label="Conversation">
          {turns.length === 0 ? (
            <div className="empty">
              <p>Signed in as <strong>{state.tester}</strong> through <span className="mono">{new URL(state.gateway).host}</span>.</p>
              <p className="muted">Ask the model anything. Enter sends, Shift+Enter starts a new line, Esc stops an answer.</p>
            </div>
          ) : null}
          {turns.map((turn, index) => (
            <article key={index} className={`turn turn-${turn.role}`} data-role={turn.role} aria-busy={turn.streaming ? 'true' : undefined}>
              <div className="turn-who">{turn.role === 'user' ? 'You' : model || 'Model'}</div>
              <div className="turn-body">
                {turn.role === 'user' ? <p className="plain">{turn.content}</p> : <Markdown text={turn.content} />}
                {turn.streaming && turn.content.length === 0 ? <span className="muted">Thinking…</span> : null}
                {turn.stopped ? <p className="muted small">Stopped.</p> : null}
                {turn.error ? <FailureNotice title="The answer failed" failure={turn.error} /> : null}
              </div>
            </article>
          ))}
        </div>
        <form
          className="composer"
          onSubmit={(event) => {
            event.preventDefault();
            send();
          }}
        >
          <label htmlFor={composerId} className="visually-hidden">Message</label>
          <textarea
            id={composerId}
            ref={composer}
            className="input"
            rows={2}
            value={draft}
            autoFocus
            placeholder={model ? `Message ${model}` : 'Message'}
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
                event.preventDefault();
                send();
              }
            }}
          />
          {streaming ? (
            <button type="button" className="button" onClick={stop}>Stop</button>
          ) : (
            <button type="submit" className="button primary" disabled={!draft.trim() || !model}>Send</button>
          )}
        </form>
      </main>
    </Frame>
  );
}
