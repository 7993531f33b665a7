/**
 * One log line per request, written when the response has finished (fastify's LogController
 * hook, which runs for streamed and hijacked answers too): request id, method, route pattern
 * (never the raw URL, whose query could carry anything), status, duration, and the device and
 * tester when the request was authenticated. fastify's own "incoming request" line is dropped.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger as PinoLogger } from 'pino';

export interface RequestLine {
  reqId: string;
  method: string;
  route: string | null;
  status: number;
  ms: number;
  device?: string;
  tester?: string;
}

export function requestLine(request: FastifyRequest, reply: FastifyReply): RequestLine {
  const line: RequestLine = {
    reqId: request.id,
    method: request.method,
    route: request.routeOptions.url ?? null,
    status: reply.statusCode,
    ms: Math.round(reply.elapsedTime * 100) / 100,
  };
  // `device` is decorated only inside the authenticated context; elsewhere it is undefined.
  const device = request.device;
  if (device) {
    line.device = device.deviceId;
    line.tester = device.tester;
  }
  return line;
}

export class RequestLogController extends LogController {
  private readonly lines: PinoLogger | null;

  constructor(logger: PinoLogger) {
    const enabled = logger.isLevelEnabled('info');
    super({ disableRequestLogging: !enabled });
    // Every field of a request line is one of ours, computed, never a header or body: the
    // root's redaction (a cost on every line) is not needed here.
    this.lines = enabled ? logger.child({}, { redact: { paths: [] } }) : null;
  }

  override incomingRequest(): void {
    // One line per request, at its end.
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (!this.lines) return;
    if (error) this.lines.warn({ ...requestLine(request, reply), err: { type: error.name, message: error.message } }, 'request failed');
    else this.lines.info(requestLine(request, reply), 'request');
  }
}
