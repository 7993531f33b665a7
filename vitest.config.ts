import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real gateway processes; two at a time suits a 2-core machine.
    maxWorkers: 2,
    // A private D-Bus session + gnome-keyring for keytar (test/setup/keychain.ts), never the user's keyring.
    globalSetup: ['test/setup/keychain.ts'],
  },
});
