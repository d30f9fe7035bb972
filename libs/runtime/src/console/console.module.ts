import { DynamicModule, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RuntimeConfig } from '../config';
import type { JsonLogger } from '../logger';
import { ConsoleController, DevSignInController } from './console.controller';

/**
 * The console's API: how to sign in, the catalogue for pick lists, and (outside production only)
 * the development sign-in that mints a token for a registry user.
 */
@Module({})
export class ConsoleModule {
  static forRoot(config: Pick<RuntimeConfig, 'production'>): DynamicModule {
    return { module: ConsoleModule, controllers: config.production ? [ConsoleController] : [ConsoleController, DevSignInController] };
  }
}

/**
 * Nothing may load from outside the machine: scripts, styles, fonts and images from this origin
 * only; API calls to this origin. Mantine writes its CSS variables into a style element, hence
 * 'unsafe-inline' for styles (never for scripts).
 */
export const CONSOLE_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/**
 * Serves the built console (Vite output) under /console/. Hashed assets are cached for good;
 * index.html is revalidated so a new build is picked up. Returns false when the console was not
 * built (the API still runs; `npm run build` builds it).
 */
export function serveConsole(app: NestFastifyApplication, config: Pick<RuntimeConfig, 'consoleDir'>, logger: Pick<JsonLogger, 'warn'>): boolean {
  const root = resolve(config.consoleDir);
  if (!existsSync(join(root, 'index.html'))) {
    logger.warn({ msg: 'console not built: /console is not served', consoleDir: root, fix: 'npm run build' });
    return false;
  }
  app.useStaticAssets({
    root,
    prefix: '/console/',
    // Swagger UI registered @fastify/static already; a second instance must not decorate the reply again.
    decorateReply: false,
    cacheControl: false,
    setHeaders: (res: { setHeader(name: string, value: string): unknown }, path: string) => {
      res.setHeader('Content-Security-Policy', CONSOLE_CSP);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.setHeader('Cache-Control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  } as Parameters<NestFastifyApplication['useStaticAssets']>[0]);
  const fastify = app.getHttpAdapter().getInstance() as { get(path: string, handler: (req: unknown, reply: { redirect(url: string, code: number): unknown }) => unknown): unknown };
  fastify.get('/console', (_req, reply) => reply.redirect('/console/', 301));
  return true;
}
