/**
 * The console's actions, each one console API call (one admin operation). Empty texts are left
 * out, so the operation's own default applies.
 */
import { post } from '../api.js';
import type { DialogField } from './confirm.js';
import { when } from './format.js';

const given = (values: Record<string, string>, ...names: string[]) => Object.fromEntries(names.filter((n) => values[n]).map((n) => [n, values[n]]));
const path = (...parts: string[]) => `/api/${parts.map(encodeURIComponent).join('/')}`;

export const LOCK_FIELDS: DialogField[] = [
  {
    name: 'ttlSeconds',
    label: 'For',
    options: [
      ['3600', '1 hour'],
      ['7200', '2 hours'],
      ['28800', '8 hours'],
      ['86400', '1 day'],
      ['604800', '7 days'],
      ['', 'until removed'],
    ],
  },
  { name: 'message', label: 'Message shown to the tester on the locked screen (optional)' },
  { name: 'note', label: 'Note for the audit log only (optional)' },
  // `lock create --wipe-history`: the app deletes its chat history and that history's key; the device key stays.
  { name: 'history', label: 'Chat history on the tester’s computer', options: [['', 'kept'], ['wipe', 'deleted, with its key (a lost laptop)']] },
];

export const revokeDevice = (id: string, v: Record<string, string>) => post(path('devices', id, 'revoke'), given(v, 'reason', 'note'));
export const suspendTester = (email: string, v: Record<string, string>) => post(path('testers', email, 'suspend'), given(v, 'reason', 'note'));
export const resumeTester = (email: string, v: Record<string, string>) => post(path('testers', email, 'resume'), given(v, 'note'));
export const removeLock = (id: string, v: Record<string, string>) => post(path('locks', id, 'remove'), given(v, 'note'));
export function lock(target: { device: string } | { tester: string }, v: Record<string, string>) {
  const body = { ...given(v, 'message', 'note'), ...(v.ttlSeconds ? { ttlSeconds: Number(v.ttlSeconds) } : {}), ...(v.history === 'wipe' ? { wipeHistory: true } : {}) };
  return post('device' in target ? path('devices', target.device, 'lock') : path('testers', target.tester, 'lock'), body);
}

export const untilText = (expiresAt: string | null) => (expiresAt ? `until ${when(expiresAt)}` : 'until removed');

/** A dialog's action that, once done, reloads what the page shows (its own answer may come before the live event). */
export const thenReload =
  (reload: () => void) =>
  (run: (values: Record<string, string>) => Promise<unknown>) =>
  async (values: Record<string, string>): Promise<void> => {
    await run(values);
    reload();
  };
