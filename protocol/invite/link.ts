import { AirlockError } from '../errors.js';
import { httpsOrigin, spkiPin } from '../schemas/common.js';
import { inviteCode } from '../schemas/enroll.js';

/** `airlock://enroll?gw=<https origin>&code=<b64u>&pin=sha256/...` (PROTOCOL.md, "Invite link"). */
export interface InviteLink {
  gateway: string;
  code: string;
  /** Primary pin first; a backup pin may follow. */
  pins: string[];
}

function refuse(reason: string): AirlockError {
  return new AirlockError('invite_invalid', `This invite link is not valid: ${reason}. Ask your admin for a new link.`);
}

export function parseInviteLink(link: string): InviteLink {
  if (typeof link !== 'string' || link.length > 4096) throw refuse('it is too long');
  let url: URL;
  try {
    url = new URL(link.trim());
  } catch {
    throw refuse('it is not a URL');
  }
  if (url.protocol !== 'airlock:' || url.host !== 'enroll' || (url.pathname !== '' && url.pathname !== '/')) {
    throw refuse('it must start with airlock://enroll?');
  }
  for (const key of url.searchParams.keys()) {
    if (key !== 'gw' && key !== 'code' && key !== 'pin') throw refuse(`unknown parameter "${key}"`);
  }
  const gateways = url.searchParams.getAll('gw');
  const codes = url.searchParams.getAll('code');
  const pins = url.searchParams.getAll('pin');
  if (gateways.length !== 1 || !httpsOrigin.safeParse(gateways[0]).success) throw refuse('the gateway (gw) must be one https origin');
  if (codes.length !== 1 || !inviteCode.safeParse(codes[0]).success) throw refuse('the code is malformed');
  if (pins.length < 1 || pins.length > 2) throw refuse('it must carry one pin, or two with a backup');
  for (const pin of pins) if (!spkiPin.safeParse(pin).success) throw refuse(`the pin "${pin}" is not sha256/<base64>`);
  return { gateway: gateways[0]!, code: codes[0]!, pins };
}

export function formatInviteLink(invite: InviteLink): string {
  const params = new URLSearchParams();
  params.append('gw', invite.gateway);
  params.append('code', invite.code);
  for (const pin of invite.pins) params.append('pin', pin);
  return `airlock://enroll?${params.toString()}`;
}
