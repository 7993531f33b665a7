/**
 * Child process for deferred-audit.test.ts: opens the store, appends one entry through the
 * deferred (worker) writer, prints its seq once the promise resolved, then waits to be killed.
 */
import { openSqliteStore } from '../../../gateway/store/sqlite-store.js';

const path = process.argv[2];
if (!path) throw new Error('usage: deferred-audit-child.ts DB');
const store = openSqliteStore(path);
const entry = await store.appendAuditDeferred({ type: 'model.call', actor: 'device:dev_child', subject: 'test-chat', details: { outcome: 'ok' } });
process.stdout.write(`${entry.seq}\n`);
// Keep the process (and its store, never closed) alive until the test's SIGKILL.
setInterval(() => undefined, 1_000);
