import { describe, expect, it } from 'vitest';
import { MAX_HELD_PINS, pinsAfterAnnouncement } from '../../../main/core/trust/announced-pins.js';

const pin = (n: number) => `sha256/${String(n).repeat(43).slice(0, 43)}=`;
const [a, b, c, d] = [pin(1), pin(2), pin(3), pin(4)];

describe('the pin set after the gateway announces its CAs (GET /v1/trust)', () => {
  it('keeps a staged next pin beside the current one', () => {
    expect(pinsAfterAnnouncement([a], [a, b])).toEqual([a, b]);
  });

  it('changes nothing when every announced pin is held already', () => {
    expect(pinsAfterAnnouncement([a, b], [a, b])).toBeNull();
    expect(pinsAfterAnnouncement([a, b], [b])).toBeNull(); // after the switch: the old pin stays for instances not yet switched
    expect(pinsAfterAnnouncement([a], [a])).toBeNull();
  });

  it('never widens trust on an announcement whose current pin the app does not hold', () => {
    expect(pinsAfterAnnouncement([a], [c, d])).toBeNull();
    expect(pinsAfterAnnouncement([a], [])).toBeNull();
  });

  it('puts the announced pins first and drops the oldest beyond the limit', () => {
    expect(pinsAfterAnnouncement([b, a], [b, c])).toEqual([b, c, a]);
    const next = pinsAfterAnnouncement([c, b, a], [c, d]);
    expect(next).toEqual([c, d, b]);
    expect(next).toHaveLength(MAX_HELD_PINS);
  });
});
