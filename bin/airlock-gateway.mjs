#!/usr/bin/env node
// The `airlock-gateway` bin: registers tsx so the TypeScript sources run with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../gateway/cli/main.ts');
