import type { ReactNode } from 'react';
import { Frame, Notice } from '../components/frame.js';
import { adviceFor } from '../messages.js';

export function ErrorScreen({ title, message, code }: { title: string; message: string; code: string }): ReactNode {
  return (
    <Frame>
      <main className="screen" data-screen="error">
        <Notice tone="error" title={title}>
          <p>{message}</p>
          {adviceFor(code) ? <p>{adviceFor(code)}</p> : null}
        </Notice>
      </main>
    </Frame>
  );
}
