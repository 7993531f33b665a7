/**
 * The gateway's one error path (gateway/http/errors.ts) for failures that are not refusals: the
 * cluster's closed gate is `unavailable` 503 with Retry-After: 1; anything unexpected is
 * `internal_error` 500 with the table's message and nothing internal. Both are logged, not audited.
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../../protocol/errors.js';
import { errorBody } from '../../../protocol/schemas/common.js';
import { ClusterUnavailableError } from '../../../gateway/cluster/gate.js';
import type { GatewayContext } from '../../../gateway/context.js';
import { installErrorHandling } from '../../../gateway/http/errors.js';

describe('unexpected failures on the wire', () => {
  const app = Fastify();
  const logged: string[] = [];
  const audited: string[] = [];
  // Only what the error path touches; a call to anything else fails the test with a TypeError.
  const ctx = {
    log: { error: (message: string) => logged.push(message) },
    audit: { refusal: async (code: string) => void audited.push(code) },
  } as unknown as GatewayContext;

  beforeAll(async () => {
    installErrorHandling(app, ctx);
    app.get('/gate', async () => {
      throw new ClusterUnavailableError('feed down');
    });
    app.get('/bug', async () => {
      throw new Error('secret internal detail at /srv/db');
    });
    await app.ready();
  });
  afterAll(() => app.close());

  it('answers the closed cluster gate with unavailable 503 and Retry-After: 1', async () => {
    const response = await app.inject({ method: 'GET', url: '/gate' });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(errorBody.parse(response.json())).toEqual({ error: { code: 'unavailable', message: ERRORS.unavailable.message } });
  });

  it('answers anything else with internal_error 500, logged, nothing internal leaked', async () => {
    const response = await app.inject({ method: 'GET', url: '/bug' });
    expect(response.statusCode).toBe(500);
    expect(errorBody.parse(response.json())).toEqual({ error: { code: 'internal_error', message: ERRORS.internal_error.message } });
    expect(response.body).not.toContain('secret');
    expect(logged).toContain('unexpected error');
    expect(audited).toEqual([]);
  });
});
