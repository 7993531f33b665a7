import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';

/**
 * A visible, tiled watermark over the chat (tester, device, time) so a photo or screenshot of the
 * screen says who took it and when. It lets clicks through and is hidden from screen readers.
 */
export function Watermark({ tester, deviceId }: { tester: string; deviceId: string }): ReactNode {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 30_000);
    return () => clearInterval(timer);
  }, []);
  const stamp = `${tester} · ${deviceId} · ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return (
    <div className="watermark" aria-hidden="true" data-testid="watermark">
      <div className="watermark-tiles">
        {Array.from({ length: 60 }, (_, index) => (
          <span key={index}>{stamp}</span>
        ))}
      </div>
    </div>
  );
}
