/**
 * What a route knows about who is being refused, for the refusal's audit entry (issue 13): an
 * enrollment names its invite and email, so an admin can find the event a tester reports. Set
 * by the route before it refuses; merged into the details by the error handler (errors.ts).
 */
declare module 'fastify' {
  interface FastifyRequest {
    refusalContext?: Record<string, string>;
  }
}

export {};
