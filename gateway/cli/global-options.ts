import type { OptionSpec } from './command.js';

/** Flags every command takes, before or after the command words. */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  data: { type: 'string', value: 'DIR', help: 'the data directory (default ./airlock-data)' },
  store: { type: 'string', value: 'URL', help: 'postgres://... to share one store between instances (default: DATA/store.url, else SQLite in DATA)' },
  json: { type: 'boolean', help: 'print one JSON document on stdout; errors as JSON on stderr' },
  help: { type: 'boolean', short: 'h', help: 'print this help and exit 0' },
  version: { type: 'boolean', help: 'print the version and exit 0' },
};
