/**
 * The decisions that spend something (an invite, a device key) are confirmed by main, in a way
 * the renderer cannot answer for the tester: the desktop app shows a native dialog
 * (shell/native-confirm.ts); the dev-only browser preview asks in its terminal
 * (preview/terminal-confirm.ts). The renderer's own confirm screen is a courtesy, not the gate.
 */
export interface EnrollmentRequest {
  gateway: string;
  host: string;
  pins: string[];
  /** The gateway this device is enrolled with now, which enrolling again signs out of first. */
  replaces: string | null;
}

export interface SignOutRequest {
  gateway: string;
  /** Wiping this computer although the gateway could not retire the device (it stays listed as active). */
  localOnly: boolean;
}

export interface Confirmations {
  /** True only when the tester confirmed enrolling with exactly this origin and pin set. */
  enrollment(request: EnrollmentRequest): Promise<boolean>;
  /** True only when the tester confirmed deleting this device's key and local data. */
  signOut(request: SignOutRequest): Promise<boolean>;
}

/** What the dialogs say: one wording for every way of asking. */
export function enrollmentQuestion(request: EnrollmentRequest): { title: string; message: string; detail: string; confirm: string } {
  const pins = request.pins.length > 1 ? `Certificate pins:\n${request.pins.join('\n')}` : `Certificate pin: ${request.pins[0] ?? ''}`;
  const replacing = request.replaces ? `This device is enrolled with ${request.replaces}: continuing signs it out there and deletes that key first.\n\n` : '';
  return {
    title: 'Enroll this device',
    message: `Enroll this device with ${request.host}?`,
    detail: `Gateway: ${request.gateway}\n${pins}\n\n${replacing}Continue only if this is the gateway your admin told you about. Airlock will create a device key in your system keychain and use up the invite, and it will trust only a certificate with this pin.`,
    confirm: 'Enroll this device',
  };
}

export function signOutQuestion(request: SignOutRequest): { title: string; message: string; detail: string; confirm: string } {
  return request.localOnly
    ? {
      title: 'Sign out',
      message: 'Delete this device from this computer only?',
      detail: `The gateway ${request.gateway} could not be reached, so it still lists this device as active: tell your admin to revoke it. This deletes this device's key, conversations and the app's local data here. You will need a new invite to come back.`,
      confirm: 'Delete from this computer',
    }
    : {
      title: 'Sign out',
      message: 'Sign out of this device?',
      detail: `The gateway ${request.gateway} retires this device, then this computer deletes its key, conversations and the app's local data. You will need a new invite to come back.`,
      confirm: 'Sign out and delete',
    };
}
