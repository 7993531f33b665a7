import { describe, expect, it } from 'vitest';
import { isAirlockError } from '../../../protocol/errors.js';
import { formatInviteLink, parseInviteLink } from '../../../protocol/invite/link.js';

const CODE = 'n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg';
const PIN = `sha256/${Buffer.alloc(32, 0xab).toString('base64')}`;
const BACKUP = `sha256/${Buffer.alloc(32, 0xfe).toString('base64')}`;
const GW = 'https://gw.example:8443';

function link(params: [string, string][]): string {
  return `airlock://enroll?${new URLSearchParams(params).toString()}`;
}

function refusal(text: string): string {
  try {
    parseInviteLink(text);
  } catch (error) {
    expect(isAirlockError(error, 'invite_invalid'), String(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error(`accepted: ${text}`);
}

describe('invite link (PROTOCOL.md "Invite link")', () => {
  it('formats and parses back, URL-encoding the pin', () => {
    const text = formatInviteLink({ gateway: GW, code: CODE, pins: [PIN] });
    expect(text.startsWith('airlock://enroll?gw=https%3A%2F%2Fgw.example%3A8443&code=')).toBe(true);
    expect(text).not.toContain('+');
    expect(parseInviteLink(text)).toEqual({ gateway: GW, code: CODE, pins: [PIN] });
  });

  it('keeps a backup pin second', () => {
    const parsed = parseInviteLink(formatInviteLink({ gateway: GW, code: CODE, pins: [PIN, BACKUP] }));
    expect(parsed.pins).toEqual([PIN, BACKUP]);
  });

  it('tolerates surrounding whitespace from a paste', () => {
    expect(parseInviteLink(`  ${link([['gw', GW], ['code', CODE], ['pin', PIN]])}\n`).gateway).toBe(GW);
  });

  it('refuses a gateway that is not one https origin', () => {
    for (const gw of ['http://gw.example', 'https://gw.example/v1', 'ftp://gw.example', 'https://u:p@gw.example', 'gw.example']) {
      expect(refusal(link([['gw', gw], ['code', CODE], ['pin', PIN]]))).toMatch(/gateway/);
    }
    expect(refusal(link([['gw', GW], ['gw', 'https://evil.example'], ['code', CODE], ['pin', PIN]]))).toMatch(/gateway/);
    expect(refusal(link([['code', CODE], ['pin', PIN]]))).toMatch(/gateway/);
  });

  it('refuses a malformed pin (not sha256/<base64 of 32 bytes>)', () => {
    for (const pin of [`sha1/${Buffer.alloc(32).toString('base64')}`, `sha256/${Buffer.alloc(32, 0xab).toString('base64url')}`, 'sha256/short=', PIN.replace('=', '')]) {
      expect(refusal(link([['gw', GW], ['code', CODE], ['pin', pin]]))).toMatch(/pin/);
    }
    // An unencoded `+` in a hand-written link reads as a space: refused, never silently changed.
    const plus = `sha256/${Buffer.from('fb'.repeat(32), 'hex').toString('base64')}`;
    expect(plus).toContain('+');
    expect(refusal(`airlock://enroll?gw=${encodeURIComponent(GW)}&code=${CODE}&pin=${plus}`)).toMatch(/pin/);
  });

  it('refuses no pin and more than a primary and a backup', () => {
    expect(refusal(link([['gw', GW], ['code', CODE]]))).toMatch(/pin/);
    expect(refusal(link([['gw', GW], ['code', CODE], ['pin', PIN], ['pin', BACKUP], ['pin', PIN]]))).toMatch(/pin/);
  });

  it('refuses a malformed or repeated code', () => {
    expect(refusal(link([['gw', GW], ['code', CODE.slice(2)], ['pin', PIN]]))).toMatch(/code/);
    expect(refusal(link([['gw', GW], ['code', `${CODE.slice(0, 42)}+`], ['pin', PIN]]))).toMatch(/code/);
    expect(refusal(link([['gw', GW], ['code', CODE], ['code', CODE], ['pin', PIN]]))).toMatch(/code/);
  });

  it('refuses unknown parameters', () => {
    expect(refusal(link([['gw', GW], ['code', CODE], ['pin', PIN], ['redirect', 'https://evil.example']]))).toMatch(/unknown parameter "redirect"/);
  });

  it('refuses other schemes, hosts and paths, non-URLs and huge input', () => {
    const query = new URLSearchParams([['gw', GW], ['code', CODE], ['pin', PIN]]).toString();
    for (const text of [`https://enroll?${query}`, `airlock://login?${query}`, `airlock://enroll/extra?${query}`, 'not a link', 'x'.repeat(5000)]) {
      refusal(text);
    }
  });
});
