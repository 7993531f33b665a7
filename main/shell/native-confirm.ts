import type { MessageBoxOptions } from 'electron';
import { enrollmentQuestion, signOutQuestion } from '../ipc/confirmations.js';
import type { Confirmations } from '../ipc/confirmations.js';

/** `dialog.showMessageBox`, bound to the app's window by the composition root. */
export type ShowMessageBox = (options: MessageBoxOptions) => Promise<{ response: number }>;

const CANCEL = 0;
const CONFIRM = 1;

function ask(show: ShowMessageBox, question: { title: string; message: string; detail: string; confirm: string }): Promise<boolean> {
  // Cancel is the default and the Escape answer: Enter alone never spends an invite or a key.
  return show({
    type: 'question',
    title: question.title,
    message: question.message,
    detail: question.detail,
    buttons: ['Cancel', question.confirm],
    defaultId: CANCEL,
    cancelId: CANCEL,
    noLink: true,
  }).then(({ response }) => response === CONFIRM);
}

/** Main's confirmations as native dialogs: drawn by the OS, out of the renderer's reach. */
export function nativeConfirmations(show: ShowMessageBox): Confirmations {
  return {
    enrollment: (request) => ask(show, enrollmentQuestion(request)),
    signOut: (request) => ask(show, signOutQuestion(request)),
  };
}
