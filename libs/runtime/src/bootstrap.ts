import 'reflect-metadata';
import { DynamicModule, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { TOKEN_SERVICE, type TokenService } from '@rx/auth';
import { ConfigError, loadConfig, RuntimeConfig } from './config';
import { configureHttp } from './http/configure-http';
import { installRateLimit, installStrictJson, serverOptions } from './http/http-edge';
import { JsonLogger } from './logger';
import { RuntimeModule, RuntimeOptions } from './runtime.module';
import { ConsoleModule, serveConsole } from './console/console.module';

export interface AppOptions {
  /** Serve the web console at /console and its API at /console/api (the platform and the audit app). */
  console?: boolean;
}

@Module({})
export class AppRootModule {
  static create(runtime: RuntimeOptions, contexts: (Type | DynamicModule)[]): DynamicModule {
    return { module: AppRootModule, imports: [RuntimeModule.forRoot(runtime), ...contexts] };
  }
}

/** Largest request body accepted; a bigger one is refused with 413 before it is parsed. */
export const BODY_LIMIT_BYTES = 256 * 1024;

/**
 * Builds (but does not start listening) an app over the given context modules. Fastify, not
 * Express: measured on the bench machine, Express cost about 170 µs of CPU more per request
 * (a near-empty GET: 232-259 against 42-60 µs under Nest), with five requests per lifecycle.
 * Fastify sends no ETag and no X-Powered-By.
 */
export async function createApp(runtime: RuntimeOptions, contexts: (Type | DynamicModule)[], logger: JsonLogger, options: AppOptions = {}): Promise<NestFastifyApplication> {
  const modules = options.console ? [...contexts, ConsoleModule.forRoot(runtime.config)] : contexts;
  // A path parameter longer than find-my-way's default 100 characters would be a bare 414; the
  // routes' own pipes refuse an overlong id with a 400 naming the field.
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES, routerOptions: { maxParamLength: 2048 }, ...serverOptions(runtime.config.http) });
  const app = await NestFactory.create<NestFastifyApplication>(AppRootModule.create(runtime, modules), adapter, { logger, abortOnError: false, bodyParser: false });
  // Beyond the cap Node closes new connections at once: slow clients cannot starve the others.
  app.getHttpServer().maxConnections = runtime.config.http.maxConnections;
  const fastify = app.getHttpAdapter().getInstance();
  installStrictJson(fastify);
  await installRateLimit(fastify, runtime.config.rateLimit, app.get<TokenService>(TOKEN_SERVICE, { strict: false }));
  configureHttp(app, `rx-circulation ${runtime.config.appName}`);
  if (options.console) serveConsole(app, runtime.config, logger);
  return app;
}

/** Graceful stop on SIGTERM/SIGINT with exit code 0; a second signal, or a hung close, forces exit. */
function onTerminate(close: (signal: NodeJS.Signals) => Promise<void>, timeoutMs = 15_000): void {
  let closing = false;
  const handler = (signal: NodeJS.Signals) => {
    if (closing) process.exit(1);
    closing = true;
    const timer = setTimeout(() => process.exit(1), timeoutMs);
    timer.unref();
    close(signal).then(
      () => process.exit(0),
      (e) => {
        process.stderr.write(`shutdown failed: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}

/**
 * Every app's main: validated configuration (a bad value stops start-up naming it), JSON logs,
 * OpenAPI, graceful shutdown on SIGTERM (consumers stop, relays flush, the store closes).
 */
export async function bootstrap(appName: string, contexts: (Type | DynamicModule)[], options: AppOptions = {}): Promise<void> {
  let config: RuntimeConfig;
  try {
    config = loadConfig(process.env, appName);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: 'error', app: appName, msg: 'invalid configuration', problems: e.problems }) + '\n');
      process.stderr.write(e.message + '\n');
      process.exit(1);
    }
    throw e;
  }
  const logger = new JsonLogger(config.logLevel, { app: appName });
  try {
    const app = await createApp({ config }, contexts, logger, options);
    // Every interface, as Express did (Fastify alone would listen on loopback only).
    await app.listen(config.port, '0.0.0.0');
    onTerminate(async (signal) => {
      logger.log({ msg: 'shutting down', signal });
      await app.close(); // consumers stop, relays flush, the store closes (EventPlumbing)
      logger.log({ msg: 'stopped' });
    });
    logger.log({
      msg: 'started',
      port: config.port,
      store: config.eventStore,
      bus: config.bus,
      ...(config.jwtSecretIsDevDefault ? { warning: 'RX_JWT_SECRET not set: using the development secret' } : {}),
    });
  } catch (e) {
    // Reference data and store errors end here: one readable line, then a non-zero exit.
    logger.error({ msg: 'start-up failed', error: (e as Error).message });
    process.stderr.write(`start-up failed: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
