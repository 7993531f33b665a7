/**
 * Builds the admin console app (console/) into dist/console/, which the gateway's console
 * listener serves. The gateway does this itself at start when the build is missing or stale;
 * run this ahead of time to ship dist/console to a host without dev dependencies.
 * Usage: node --import tsx scripts/build-console.ts
 */
import { buildConsole, CONSOLE_DIST } from '../gateway/console/assets.js';

const { built } = await buildConsole();
process.stdout.write(`${built ? 'Built' : 'Up to date:'} ${CONSOLE_DIST}\n`);
