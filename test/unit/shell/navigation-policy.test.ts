import { describe, expect, it } from 'vitest';
import { applyNavigationPolicy } from '../../../main/shell/navigation-policy.js';
import type { NavigationContents, Refusal } from '../../../main/shell/navigation-policy.js';
import { fakeWebContents } from './fakes.js';

function setup() {
  const fake = fakeWebContents();
  const refused: Refusal[] = [];
  applyNavigationPolicy(fake.contents as unknown as NavigationContents, (refusal) => refused.push(refusal));
  return { fake, refused };
}

describe('navigation policy', () => {
  const urls = ['https://evil.example/', 'app://airlock/other.html', 'file:///etc/passwd', 'javascript:alert(1)', 'airlock://enroll?gw=x'];

  it.each(urls)('refuses navigating to %s', (url) => {
    const { fake, refused } = setup();
    expect(fake.fire('will-navigate', url)).toBe(true);
    expect(fake.fire('will-frame-navigate', url)).toBe(true);
    expect(fake.fire('will-redirect', url)).toBe(true);
    expect(refused.map((r) => r.kind)).toEqual(['navigate', 'frame-navigate', 'redirect']);
    expect(refused.every((r) => r.url === url)).toBe(true);
  });

  it.each(urls)('denies window.open of %s', (url) => {
    const { fake, refused } = setup();
    expect(fake.open(url)).toEqual({ action: 'deny' });
    expect(refused).toEqual([{ kind: 'window-open', url }]);
  });

  it('refuses attaching a webview', () => {
    const { fake, refused } = setup();
    expect(fake.fire('will-attach-webview', '', {}, { src: 'https://evil.example/' })).toBe(true);
    expect(refused).toEqual([{ kind: 'attach-webview', url: 'https://evil.example/' }]);
  });

  it('registers every handler it relies on', () => {
    const { fake } = setup();
    for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']) expect(fake.listens(event)).toBe(true);
  });
});
