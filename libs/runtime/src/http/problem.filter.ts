import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { HttpServer } from '@nestjs/common';
import { DomainError, DomainErrorKind } from '@rx/kernel';
import { ConcurrencyError, EventStoreUnavailableError, InvalidAppendError } from '@rx/event-store';
import { EdgeRefusal } from './http-edge';

const STATUS_BY_KIND: Record<DomainErrorKind, number> = {
  rule: HttpStatus.UNPROCESSABLE_ENTITY,
  conflict: HttpStatus.CONFLICT,
  'not-found': HttpStatus.NOT_FOUND,
  forbidden: HttpStatus.FORBIDDEN,
  invalid: HttpStatus.BAD_REQUEST,
};

const CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE',
  429: 'TOO_MANY_REQUESTS',
};

/**
 * The one place errors become HTTP: domain errors by kind, Nest's HTTP exceptions with a stable
 * code (malformed JSON included, as 400 BAD_REQUEST), an exhausted concurrency retry as 409.
 * Anything else is a bug and the only path to a 500.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  constructor(private readonly http: Pick<HttpServer, 'reply'>) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const { status, body } = this.describe(exception);
    if (status >= 500) this.logger.error(exception instanceof Error ? exception : String(exception));
    this.http.reply(host.switchToHttp().getResponse(), body, status);
  }

  private describe(e: unknown): { status: number; body: Record<string, unknown> } {
    if (e instanceof DomainError) {
      const body: Record<string, unknown> = { code: e.code, message: e.message };
      if (e.field) body.field = e.field;
      if (e.details) body.details = e.details;
      return { status: STATUS_BY_KIND[e.kind], body };
    }
    if (e instanceof ConcurrencyError) {
      return { status: 409, body: { code: 'CONCURRENT_MODIFICATION', message: 'the resource changed while the command ran; retry' } };
    }
    if (e instanceof InvalidAppendError) return { status: 400, body: { code: 'BAD_REQUEST', message: e.message } };
    if (e instanceof EdgeRefusal) return { status: e.statusCode, body: { code: e.code, message: e.message } };
    if (e instanceof EventStoreUnavailableError) return { status: 503, body: { code: 'STORE_UNAVAILABLE', message: 'the event store is unavailable' } };
    if (e instanceof HttpException) {
      const status = e.getStatus();
      const response = e.getResponse();
      const fromResponse = typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : {};
      const code = typeof fromResponse.code === 'string' ? fromResponse.code : (CODE_BY_STATUS[status] ?? 'ERROR');
      const message = typeof fromResponse.message === 'string' ? fromResponse.message : e.message;
      return { status, body: { ...fromResponse, code, message, statusCode: undefined, error: undefined } };
    }
    // Errors of the HTTP layer that carry a 4xx status of their own (Nest already turns Fastify's
    // refusals, malformed JSON, a body too large, empty or of another media type, into HttpExceptions).
    const maybe = e as { statusCode?: unknown; status?: unknown; message?: unknown };
    const status = typeof maybe?.statusCode === 'number' ? maybe.statusCode : maybe?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const code = CODE_BY_STATUS[status] ?? 'BAD_REQUEST';
      return { status, body: { code, message: typeof maybe.message === 'string' ? maybe.message : 'bad request' } };
    }
    return { status: 500, body: { code: 'INTERNAL_ERROR', message: 'internal error' } };
  }
}
