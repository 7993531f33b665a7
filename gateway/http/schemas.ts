import { z, type ZodType } from 'zod';
import type { FastifySchemaCompiler } from 'fastify';
import { AirlockError } from '../../protocol/errors.js';
import { errorBody } from '../../protocol/schemas/common.js';

/** Route bodies are zod schemas (`schema.body`); a refusal names the first bad field. */
export const zodValidatorCompiler: FastifySchemaCompiler<ZodType> = ({ schema }) => (data) => {
  const result = schema.safeParse(data);
  if (result.success) return { value: result.data };
  return { error: new AirlockError('bad_request', describeZodError('The request body', result.error)) };
};

export function describeZodError(what: string, error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return `${what} is malformed.`;
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.length > 0 ? ` in "${issue.path.join('.')}"` : '';
    return `${what} has unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}${where}; they are refused.`;
  }
  const field = issue.path.length > 0 ? `field "${issue.path.join('.')}"` : 'it';
  return `${what} is malformed: ${field}: ${issue.message}.`;
}

/** A response JSON schema for fastify's serializer: any field the schema does not list is dropped. */
export function responseSchema(schema: ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { target: 'draft-7', io: 'output' }) as Record<string, unknown>;
  return json;
}

export const ERROR_RESPONSE = responseSchema(errorBody);

/** Response schemas for a route: its successes plus the error body for every error status. */
export function responses(success: Record<number, ZodType>): Record<string, unknown> {
  const out: Record<string, unknown> = { '4xx': ERROR_RESPONSE, '5xx': ERROR_RESPONSE };
  for (const [status, schema] of Object.entries(success)) out[status] = responseSchema(schema);
  return out;
}
