import { describe, expect, it } from 'vitest';
import { createRedactingLogger, redactText, type LogLine } from '../../../main/core/log/redacting-logger.js';
import { redacting } from '../../../main/core/log/redacting-logger.js';

const JWS = 'eyJhbGciOiJFUzI1NiIsInR5cCI6ImRwb3Arand0In0.eyJqdGkiOiJhYmNkZWZnaGlqa2xtbm9wIn0.MEUCIQDx8bG1mZ2hpamtsbW5vcHFyc3R1dnd4eXo';
const CODE = 'Qm9ndXNDb2RlQm9ndXNDb2RlQm9ndXNDb2RlQm9ndXM';
const D = 'gJARpSzxYXd7YMrIdwwHfyAt8vXqYnfIXgoSy_q954A';

describe('log redaction', () => {
  it('never lets a key, token, code or proof through, in the message or in fields', () => {
    const lines: LogLine[] = [];
    const logger = createRedactingLogger((l) => lines.push(l));
    logger.info(`sending Authorization: DPoP ${JWS}`);
    logger.info('enrolling', { link: `airlock://enroll?gw=https%3A%2F%2Fgw&code=${CODE}&pin=x`, code: CODE });
    logger.warn('oops', { jwk: { kty: 'EC', d: D }, nested: { headers: { dpop: JWS, authorization: `DPoP ${JWS}` }, note: `url ?code=${CODE}` } });
    logger.error('failed', { error: new Error(`bad token ${JWS}`), accessToken: JWS, privateKey: D });
    logger.debug(`raw entry {"kty":"EC","d":"${D}"}`);
    const text = JSON.stringify(lines);
    for (const secret of [JWS, CODE, D]) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted');
    // What is not secret stays readable.
    logger.info('session: started', { expiresIn: 30, host: 'gw.example', pin: 'sha256/abc=' });
    expect(lines.at(-1)).toEqual({ level: 'info', message: 'session: started', fields: { expiresIn: 30, host: 'gw.example', pin: 'sha256/abc=' } });
  });

  it('wraps any injected logger', () => {
    const got: string[] = [];
    const sink = { debug: (m: string) => got.push(m), info: (m: string) => got.push(m), warn: (m: string) => got.push(m), error: (m: string) => got.push(m) };
    redacting(sink).warn(`token ${JWS}`);
    expect(got).toEqual(['token [redacted-jws]']);
    expect(redactText(`Bearer abc.def`)).toBe('Bearer [redacted]');
  });
});
