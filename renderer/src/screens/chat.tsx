import { useCallback, useEffect, useId, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import type { AirlockApi, ClientState, Conversation, ConversationSummary, ModelInfo, Turn } from '../../../main/ipc/contract.js';
import { FailureNotice, type Failure } from '../components/failure-notice.js';
import { Frame, Notice } from '../components/frame.js';
import { TurnView } from '../components/turn-view.js';
import { Watermark } from '../components/watermark.js';
import { useFollowScroll } from '../follow-scroll.js';
import { findInviteLink } from '../invite-text.js';
import { latestRequest } from '../latest-request.js';
import { mergeConversation, mergeSendReply, mergeTurn } from '../turn-merge.js';

type Enrolled = Extract<ClientState, { kind: 'enrolled' }>;

/** The latest rate limit still in force in this conversation, as a time (ms). */
function blockedUntil(conversation: Conversation | null, now: number): number | null {
  const last = conversation?.turns.at(-1);
  const retryAt = last?.role === 'assistant' ? last.error?.retryAt : undefined;
  const until = retryAt ? Date.parse(retryAt) : NaN;
  return Number.isFinite(until) && until > now ? until : null;
}

/**
 * The chat. Conversations live in main: this screen shows one (the one the app last showed, else
 * the latest), sends through main, and renders the turns main reports. Leaving for the Device
 * screen or reloading loses nothing.
 */
export function ChatScreen({ api, state, onShowDevice, activeId, onActiveChange, onInviteLink, initialConversation, onConversationShown }: {
  api: AirlockApi;
  state: Enrolled;
  onShowDevice: () => void;
  activeId: string | null;
  onActiveChange: (id: string) => void;
  /** An invite link found in the message box: offered as an enrollment, never sent. */
  onInviteLink: (link: string) => void;
  /** What this screen showed when it was last left (the Device screen): drawn at once, then refreshed from main. */
  initialConversation: Conversation | null;
  onConversationShown: (conversation: Conversation | null) => void;
}): ReactNode {
  const pickerId = useId();
  const composerId = useId();
  const [models, setModels] = useState<ModelInfo[]>([]);
  const [model, setModel] = useState('');
  const [modelsError, setModelsError] = useState<Failure | null>(null);
  const [summaries, setSummaries] = useState<ConversationSummary[]>([]);
  const [conversation, setConversation] = useState<Conversation | null>(() => initialConversation);
  const [sendError, setSendError] = useState<Failure | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const [heldInvite, setHeldInvite] = useState<string | null>(null);
  const [sendWhenModels, setSendWhenModels] = useState(false);
  const [now, setNow] = useState(() => Date.now());
  const log = useRef<HTMLDivElement>(null);
  const composer = useRef<HTMLTextAreaElement>(null);
  const shown = useRef<string | null>(initialConversation?.id ?? null);
  // Which chat the tester asked for last: a slower answer for an earlier click is dropped.
  const screenRequests = useRef(latestRequest());
  const turns = conversation?.turns ?? [];
  const streaming = turns.some((t) => t.role === 'assistant' && t.status === 'streaming');
  const until = blockedUntil(conversation, now);
  const follow = useFollowScroll(log, turns);

  const loadModels = useCallback(() => {
    void api.listModels().then((result) => {
      if (result.ok) {
        setModels(result.value);
        setModelsError(null);
        setModel((current) => (result.value.some((m) => m.id === current) ? current : result.value[0]?.id ?? ''));
      } else setModelsError({ code: result.code, message: result.message });
    });
  }, [api]);

  // On first show and whenever the control channel comes back (a gateway restart, a network change).
  useEffect(() => {
    if (state.connected || models.length === 0) loadModels();
  }, [loadModels, state.connected]);

  const show = useCallback(async (id: string) => {
    const ticket = screenRequests.current.begin();
    const result = await api.getConversation(id);
    // A later click (another chat, New chat) asked for something else while this one was on its way.
    if (!screenRequests.current.isCurrent(ticket)) return true;
    if (!result.ok) return false;
    shown.current = id;
    setConversation((current) => mergeConversation(current, result.value));
    onActiveChange(id);
    return true;
  }, [api, onActiveChange]);

  const startNew = useCallback(async () => {
    const ticket = screenRequests.current.begin();
    const result = await api.newConversation();
    if (!screenRequests.current.isCurrent(ticket)) return;
    if (!result.ok) return setSendError({ code: result.code, message: result.message });
    shown.current = result.value.id;
    setConversation(result.value);
    onActiveChange(result.value.id);
    setSendError(null);
    composer.current?.focus();
  }, [api, onActiveChange]);

  useEffect(() => {
    const off = api.onConversationChange((change) => {
      if (change.kind === 'list') {
        setSummaries(change.conversations);
        // Wiped under us (sign-out, revocation): nothing to show any more.
        if (shown.current !== null && !change.conversations.some((c) => c.id === shown.current)) {
          shown.current = null;
          setConversation(null);
        }
      } else if (change.conversationId === shown.current) {
        setConversation((current) => (current && current.id === change.conversationId ? mergeTurn(current, change.turn) : current));
      }
    });
    void (async () => {
      const list = await api.listConversations();
      if (!list.ok) return;
      setSummaries(list.value);
      const preferred = list.value.find((c) => c.id === activeId) ?? list.value[0];
      if (!preferred || !(await show(preferred.id))) await startNew();
    })();
    return off;
  }, [api]);

  useEffect(() => onConversationShown(conversation), [conversation, onConversationShown]);

  // A rate limit's "send again at" turns back into a working Send button by itself.
  useEffect(() => {
    if (until === null) return;
    const timer = setTimeout(() => setNow(Date.now()), Math.max(250, until - Date.now() + 50));
    return () => clearTimeout(timer);
  }, [until]);

  const stop = useCallback(() => {
    if (shown.current) void api.stopAnswer(shown.current);
  }, [api]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && streaming) {
        event.preventDefault();
        stop();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [stop, streaming]);

  /** The chat a message goes to: the one shown, else a new one (the first is still being made, or it was wiped). */
  const chatToSendIn = async (): Promise<Conversation | Failure> => {
    if (conversation) return conversation;
    // Taken only to make any earlier show/startNew still on its way stale: this chat is the one shown.
    screenRequests.current.begin();
    const result = await api.newConversation();
    if (!result.ok) return { code: result.code, message: result.message };
    shown.current = result.value.id;
    setConversation(result.value);
    onActiveChange(result.value.id);
    return result.value;
  };

  const sendText = async (text: string) => {
    if (!text || !model || streaming || until !== null) return;
    setSendError(null);
    // Sending is asking to follow the answer: now, not when the reply comes (it can come after the
    // tester has already scrolled up to read).
    follow.jump();
    const target = await chatToSendIn();
    if (!('id' in target)) {
      setSendError(target);
      setDraft((current) => current || text);
      return;
    }
    const result = await api.sendMessage({ conversationId: target.id, model, text });
    if (result.ok) {
      // The reply can arrive after the answer's own events (it failed at once) or after the tester
      // moved to another chat: keep the later report, and never bring back a chat they left.
      setConversation((current) => mergeSendReply(current, result.value));
    } else {
      setSendError({ code: result.code, message: result.message });
      setDraft((current) => current || text);
    }
  };

  const send = () => {
    const text = draft.trim();
    if (!text || streaming || until !== null) return;
    if (!model) {
      // The model list is still on its way (just enrolled, or the gateway is coming back): the
      // message waits in the composer and goes when the list arrives, rather than Enter doing nothing.
      setSendWhenModels(true);
      return;
    }
    const invite = findInviteLink(text);
    if (invite) {
      // Not a message: its one-time code stays on this computer.
      setHeldInvite(invite);
      setDraft('');
      return;
    }
    setDraft('');
    void sendText(text);
  };

  useEffect(() => {
    if (!sendWhenModels || !model) return;
    setSendWhenModels(false);
    send();
  }, [sendWhenModels, model]);

  const copy = (text: string) => {
    void api.copyText(text).then((result) => {
      setCopied(result.ok ? (result.value.watermarked ? 'Copied, with your watermark line at the end.' : 'Copied.') : result.message);
      setTimeout(() => setCopied(null), 4000);
    });
  };

  const lastUserText = [...turns].reverse().find((t) => t.role === 'user')?.content;
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
      <div className="chat-layout">
        <nav className="conversations" aria-label="Conversations">
          <button type="button" className="button primary" onClick={() => void startNew()}>New chat</button>
          <ul>
            {summaries.map((summary) => (
              <li key={summary.id}>
                <button
                  type="button"
                  className={summary.id === conversation?.id ? 'conversation current' : 'conversation'}
                  aria-current={summary.id === conversation?.id ? 'true' : undefined}
                  onClick={() => void show(summary.id)}
                >
                  {summary.title}
                  {summary.streaming ? <span className="muted small"> · answering</span> : null}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <main className="chat" data-screen="chat">
          {state.policy.watermark ? <Watermark tester={state.tester} deviceId={state.deviceId} /> : null}
          {!state.connected ? (
            <Notice tone="warning" title="Reconnecting to the gateway">
              <p>The app reconnects by itself. Answers may fail until it is back.</p>
            </Notice>
          ) : null}
          {modelsError ? (
            <FailureNotice title="Could not load the models" failure={modelsError}>
              <button type="button" className="button" onClick={loadModels}>Retry</button>
            </FailureNotice>
          ) : null}
          <div
            className="log"
            ref={log}
            role="log"
            tabIndex={0}
            aria-live="polite"
            aria-label="Conversation"
            onScroll={follow.onScroll}
            onKeyDown={follow.onKeyDown}
          >
            {turns.length === 0 ? (
              <div className="empty">
                <p>Signed in as <strong>{state.tester}</strong> through <span className="mono">{new URL(state.gateway).host}</span>.</p>
                <p className="muted">Ask the model anything. Enter sends, Shift+Enter starts a new line, Esc stops an answer.</p>
              </div>
            ) : null}
            {turns.map((turn, index) => (
              <TurnView
                key={turn.id}
                turn={turn}
                now={now}
                onCopy={copy}
                {...(index === turns.length - 1 && turn.role === 'assistant' && turn.error && lastUserText ? { onRetry: () => void sendText(lastUserText) } : {})}
              />
            ))}
          </div>
          {follow.behind ? <button type="button" className="button jump" onClick={follow.jump}>Jump to latest ↓</button> : null}
          {copied ? <p className="copied small" role="status">{copied}</p> : null}
          {sendWhenModels ? <p className="copied small" role="status">Your message goes as soon as the model list has loaded.</p> : null}
          {sendError ? <FailureNotice title="The message was not sent" failure={sendError} /> : null}
          {heldInvite ? (
            <Notice tone="info" title="That is an invite link, not a message">
              <p>It was not sent to the model. To enroll with it, use it as an invite.</p>
              <div className="row">
                <button type="button" className="button primary" onClick={() => onInviteLink(heldInvite)}>Use this invite…</button>
                <button type="button" className="button" onClick={() => setHeldInvite(null)}>Dismiss</button>
              </div>
            </Notice>
          ) : null}
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
              <button type="submit" className="button primary" disabled={!draft.trim() || sendWhenModels || until !== null}>Send</button>
            )}
          </form>
        </main>
      </div>
    </Frame>
  );
}
