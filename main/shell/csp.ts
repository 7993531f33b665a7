/**
 * The renderer's Content-Security-Policy, sent as a header on every `app://` response. The
 * renderer has no network of its own (`connect-src 'none'`): everything goes through main.
 * Inline styles are allowed because React sets `style` attributes; inline scripts are not.
 */
export const RENDERER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "object-src 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
