import type { ReactNode } from 'react';

/** The page frame: a quiet header with the product name and optional actions. */
export function Frame({ children, actions, wide }: { children: ReactNode; actions?: ReactNode; wide?: boolean }): ReactNode {
  return (
    <div className="frame">
      <header className="topbar">
        <span className="brand" aria-label="Airlock">
          <span className="brand-mark" aria-hidden="true">◆</span> Airlock
        </span>
        <nav className="topbar-actions">{actions}</nav>
      </header>
      <div className={wide ? 'frame-body wide' : 'frame-body'}>{children}</div>
    </div>
  );
}

export function Notice({ tone, title, children }: { tone: 'error' | 'warning' | 'info'; title: string; children?: ReactNode }): ReactNode {
  return (
    <div className={`notice notice-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      <strong className="notice-title">{title}</strong>
      {children ? <div className="notice-body">{children}</div> : null}
    </div>
  );
}
