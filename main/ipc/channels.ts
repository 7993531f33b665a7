/**
 * IPC channel names, apart from the schemas so the preload bundle stays small. Every value starts
 * with `airlock:`, so no channel can collide with Electron's or a library's.
 */

/** Renderer → main calls (`invoke`). The `airlock:` prefix is checked on registration and receipt. */
export enum InvokeChannel {
  GetState = 'airlock:state:get',
  CurrentInvite = 'airlock:invite:current',
  FinishInvite = 'airlock:invite:finish',
  AcknowledgeRevocation = 'airlock:revocation:acknowledge',
  PreviewInvite = 'airlock:invite:preview',
  Enroll = 'airlock:enroll',
  ListModels = 'airlock:models:list',
  ChatStart = 'airlock:chat:start',
  ChatCancel = 'airlock:chat:cancel',
  DeviceStatus = 'airlock:device:status',
  SignOut = 'airlock:sign-out',
  ConversationsList = 'airlock:conversations:list',
  ConversationGet = 'airlock:conversations:get',
  ConversationCreate = 'airlock:conversations:create',
  ConversationSend = 'airlock:conversations:send',
  ConversationStop = 'airlock:conversations:stop',
  ClipboardWrite = 'airlock:clipboard:write',
}

/** Main → renderer events (`send`). */
export enum EventChannel {
  State = 'airlock:state:changed',
  InviteLink = 'airlock:invite:link',
  ChatDelta = 'airlock:chat:delta',
  ConversationChanged = 'airlock:conversations:changed',
}

export const CHANNEL_PREFIX = 'airlock:';
