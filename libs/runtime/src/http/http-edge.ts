import type { FastifyInstance, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { TokenService } from '@rx/auth';
import type { RuntimeConfig } from '../config';
import { checkJsonText } from './strict-json';

/** Deepest JSON a body may nest (the deepest legitimate body, a dispense, nests four). */
export const MAX_JSON_DEPTH = 32;

/** A request refused at the edge, before it reaches a route (a body, a rate): its status and a stable code. */
export class EdgeRefusal extends Error {
  constructor(
    readonly statusCode: 400 | 429,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EdgeRefusal';
  }
}

/** The options of Node's HTTP server that bound how long and how much a client may hold. */
export function serverOptions(config: RuntimeConfig['http']) {
  return {
    // Fastify: socket inactivity, keep-alive idle, whole-request deadline, requests per connection.
    connectionTimeout: config.idleTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    maxRequestsPerSocket: config.maxRequestsPerSocket,
    http: {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      // How often Node looks for requests past their deadlines (its default is 30 s).
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(config.headersTimeoutMs / 2))),
    },
  };
}

/** application/json through a check for depth and duplicate keys, then Fastify's own parser (prototype poisoning refused). */
export function installStrictJson(fastify: FastifyInstance): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const problem = checkJsonText(body as string, MAX_JSON_DEPTH);
    if (problem) return done(new EdgeRefusal(400, problem.code, problem.message), undefined);
    parse(request, body as string, done);
  });
}

/** Route family: the first path segment (`prescriptions`, `dispensing`, `settlement`, `audit`, `health`, `docs`). */
export function routeFamily(url: string): string {
  const m = /^\/([A-Za-z0-9_-]{1,32})(?:[/?#]|$)/.exec(url);
  return m ? m[1] : '-';
}

/**
 * Per client and route family: a verified token's role, organisation and subject name the client
 * (an unverifiable token cannot mint fresh buckets); otherwise its address.
 */
export async function installRateLimit(fastify: FastifyInstance, config: RuntimeConfig['rateLimit'], tokens: TokenService): Promise<void> {
  if (config.max === 0) return;
  const client = (request: FastifyRequest): string => {
    const header = request.headers.authorization;
    if (typeof header === 'string' && header.startsWith('Bearer ')) {
      try {
        const actor = tokens.verify(header.slice('Bearer '.length));
        return `${actor.role}:${actor.org}:${actor.id}`;
      } catch {
        // an invalid token: the address stands for the client (and the guard answers 401)
      }
    }
    return `ip:${request.ip}`;
  };
  await fastify.register(rateLimit, {
    global: true,
    max: config.max,
    timeWindow: config.windowMs,
    keyGenerator: (request) => `${routeFamily(request.url)}|${client(request)}`,
    errorResponseBuilder: (_request, context) =>
      new EdgeRefusal(429, 'RATE_LIMITED', `too many requests: at most ${context.max} per ${Math.round(config.windowMs / 1000)} s for this client and route family; retry in ${context.after}`),
  });
}
