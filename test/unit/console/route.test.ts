/**
 * The console's routes are paths the gateway reads (to draw the page) and the browser reads (to
 * take it over): every page's link parses back to the page, anything else is no page.
 */
import { describe, expect, it } from 'vitest';
import { dataPathOf, hrefOf, parseRoute, pathOfHashRoute, routeOf, type Route } from '../../../console/src/route.js';

const PAGES: Route[] = [
  { page: 'overview' },
  { page: 'devices' },
  { page: 'device', id: 'dev_a/b?c#d' },
  { page: 'testers' },
  { page: 'locks' },
  { page: 'invites' },
  { page: 'usage' },
  { page: 'audit' },
  { page: 'audit', text: 'ada@example.com & co' },
  { page: 'policy' },
];

describe('console routes', () => {
  it('parses every page link back to its page', () => {
    for (const route of PAGES) expect(routeOf(hrefOf(route))).toEqual(route);
  });

  it('ignores a query a page does not read and a trailing slash', () => {
    expect(routeOf('/devices?load=3')).toEqual({ page: 'devices' });
    expect(routeOf('/devices/')).toEqual({ page: 'devices' });
    expect(routeOf('/?load=1')).toEqual({ page: 'overview' });
  });

  it('names no page for anything else (the gateway answers 404)', () => {
    for (const path of ['/nope', '/index.html', '/assets', '/devices/a/b', '/testers/x', '/devices/%E0%A4%A', '/.ssr/first-paint.js']) expect(routeOf(path)).toBeNull();
    expect(parseRoute('/nope')).toEqual({ page: 'overview' });
  });

  it('reads an older #/ link as its path, and knows each page’s first read', () => {
    expect(pathOfHashRoute('#/devices/dev_x')).toBe('/devices/dev_x');
    expect(pathOfHashRoute('#login=abc')).toBeNull();
    expect(pathOfHashRoute('#seq-12')).toBeNull();
    expect(dataPathOf({ page: 'device', id: 'dev_a/b' })).toBe('/api/devices/dev_a%2Fb');
    expect(dataPathOf({ page: 'audit' })).toBeNull();
  });
});
