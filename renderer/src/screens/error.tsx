import type { ReactNode } from 'react';
import { FailureNotice } from '../components/failure-notice.js';
import { Frame } from '../components/frame.js';

export function ErrorScreen({ title, message, code }: { title: string; message: string; code: string }): ReactNode {
  return (
    <Frame>
      <main className="screen" data-screen="error">
        <FailureNotice title={title} failure={{ code, message }} />
      </main>
    </Frame>
  );
}
