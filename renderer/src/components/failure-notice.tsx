import type { ReactNode } from 'react';
import { adviceFor } from '../messages.js';
import { Notice } from './frame.js';

/** A refusal as every screen shows it: what happened, then (when known) what to do. */
export interface Failure {
  code: string;
  message: string;
}

export function FailureNotice({ title, failure, children }: { title: string; failure: Failure; children?: ReactNode }): ReactNode {
  const advice = adviceFor(failure.code);
  return (
    <Notice tone="error" title={title}>
      <p>{failure.message}</p>
      {advice ? <p>{advice}</p> : null}
      {children}
    </Notice>
  );
}
