import type { Session } from 'electron';

export type PermissionSession = Pick<
  Session,
  'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler' | 'setDisplayMediaRequestHandler'
>;

/**
 * The app needs no browser permission at all (no camera, notifications, clipboard reads, devices,
 * screen capture), so every request and check is refused, whoever asks.
 */
export function denyAllPermissions(session: PermissionSession, onRefused: (permission: string) => void = () => {}): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    onRefused(permission);
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.setDisplayMediaRequestHandler((_request, callback) => {
    onRefused('display-capture');
    // An empty answer refuses the capture.
    callback({});
  });
}
