import type { ReactNode } from 'react';
import type { AnswerTurn, Turn } from '../../../main/ipc/contract.js';
import { Markdown } from '../markdown.js';
import { FailureNotice } from './failure-notice.js';

const ENDING: Record<AnswerTurn['status'], string> = {
  streaming: 'answering…',
  complete: 'complete',
  stopped: 'stopped',
  cut: 'cut off',
  failed: 'no answer',
};

const timeOf = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/**
 * One turn. An answer is labelled with the model its own stream named (not the picker's current
 * value), its time and how it ended; those come from main and never change once it has ended.
 */
export function TurnView({ turn, onCopy, onRetry, now }: { turn: Turn; onCopy: (text: string) => void; onRetry?: () => void; now: number }): ReactNode {
  if (turn.role === 'user') {
    return (
      <article className="turn turn-user" data-role="user">
        <div className="turn-who">You · {timeOf(turn.at)}</div>
        <div className="turn-body"><p className="plain">{turn.content}</p></div>
      </article>
    );
  }
  const streaming = turn.status === 'streaming';
  const retryAt = turn.error?.retryAt;
  const waiting = retryAt !== undefined && Date.parse(retryAt) > now;
  return (
    <article className="turn turn-assistant" data-role="assistant" data-status={turn.status} aria-busy={streaming ? 'true' : undefined}>
      <div className="turn-who">
        <span data-testid="answer-model">{turn.model ?? (streaming ? turn.requested : 'no model answered')}</span>
        {' · '}<span>{timeOf(turn.startedAt)}</span>
        {' · '}<span className={`ending ending-${turn.status}`} data-testid="answer-ending">{ENDING[turn.status]}</span>
      </div>
      <div className="turn-body">
        {turn.content.length > 0 ? <Markdown text={turn.content} onCopy={onCopy} /> : null}
        {streaming && turn.content.length === 0 ? <span className="muted">Thinking…</span> : null}
        {turn.status === 'stopped' ? <p className="muted small">Stopped.</p> : null}
        {turn.status === 'cut' && !turn.error ? <p className="muted small">The answer was cut off (the model hit its length limit or the app closed while it streamed).</p> : null}
        {turn.error ? (
          <FailureNotice title={turn.status === 'cut' ? 'The answer was cut off' : 'The answer failed'} failure={turn.error}>
            {retryAt ? <p data-testid="retry-at">{waiting ? `You can send again at ${new Date(retryAt).toLocaleTimeString()}.` : 'You can send again now.'}</p> : null}
            {onRetry && !waiting ? <button type="button" className="button" onClick={onRetry}>Retry</button> : null}
          </FailureNotice>
        ) : null}
      </div>
    </article>
  );
}
