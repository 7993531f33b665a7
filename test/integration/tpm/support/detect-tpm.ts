/**
 * Prints detectTpm's answer as one JSON line, for the TCTI in TPM2TOOLS_TCTI: run as another OS
 * user (runuser) by tpm-detect.test.ts, because only a non-root user meets a device it may not open.
 */
import { detectTpm } from '../../../../main/core/tpm/detect.js';
import { createTpmTools, tctiFrom } from '../../../../main/core/tpm/tpm-tools.js';

const tools = createTpmTools({ tcti: tctiFrom(process.env) });
process.stdout.write(`${JSON.stringify(await detectTpm({ tools }))}\n`);
