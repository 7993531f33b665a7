import type { ApiErrorCode, ClientState } from '../../main/ipc/contract.js';

/** What to tell a tester for each refusal: what happened, then what to do. */
const ADVICE: Partial<Record<ApiErrorCode | 'cancelled', string>> = {
  network_error: 'Check your network connection. The app reconnects by itself; Retry once it is back.',
  keychain_unavailable: 'Unlock your system keychain (or log in to your desktop session), then try again.',
  invite_invalid: 'Copy the whole link from your invite again, or ask your admin for a new one.',
  wrong_gateway: 'Ask your admin for an invite for the gateway this app is set up for.',
  not_confirmed: 'Nothing was changed. Try again when you are ready.',
  invite_expired: 'Ask your admin for a new invite.',
  invite_used: 'Each invite works once, on one device.',
  invite_revoked: 'Ask your admin for a new invite.',
  device_limit: 'Ask your admin to raise the limit or revoke a device you no longer use.',
  policy_violation: 'Your admin’s policy does not admit this device as it is. Tell your admin what the message says.',
  rate_limited: 'You have sent more than your limit allows for now.',
  upstream_error: 'The model server had a problem. Try again in a minute.',
  upstream_timeout: 'The model server was too slow. Try again in a minute.',
  internal_error: 'Restart the app. If it keeps happening, tell your admin.',
  invalid_input: 'Restart the app. If it keeps happening, tell your admin.',
  sender_refused: 'Restart the app.',
  clipboard_unavailable: 'Select the text and copy it with your keyboard instead.',
};

export function adviceFor(code: string): string | null {
  return ADVICE[code as ApiErrorCode] ?? null;
}

export function revokedHeadline(state: Extract<ClientState, { kind: 'revoked' }>): string {
  switch (state.code) {
    case 'tester_suspended':
      return 'Your access was suspended';
    case 'key_moved':
      return 'This device key was used on another machine';
    default:
      return 'This device was revoked';
  }
}
