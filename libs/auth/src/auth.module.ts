import { DynamicModule, Global, InjectionToken, Module } from '@nestjs/common';
import { JwtAuthGuard } from './jwt-auth.guard';
import { ACTOR_DIRECTORY, type ActorDirectory } from './actor-directory';
import { TOKEN_SERVICE, TokenService, type TokenPolicy } from './token.service';

@Global()
@Module({})
export class AuthModule {
  /** `directory`: the provider of ACTOR_DIRECTORY (the registry each request's claims are checked against). */
  static forRoot(options: {
    secret: string;
    policy?: Partial<TokenPolicy>;
    directory: { useFactory: (...deps: never[]) => ActorDirectory; inject: InjectionToken[] };
  }): DynamicModule {
    return {
      module: AuthModule,
      providers: [
        { provide: TOKEN_SERVICE, useValue: new TokenService(options.secret, undefined, options.policy) },
        { provide: ACTOR_DIRECTORY, useFactory: options.directory.useFactory as (...deps: unknown[]) => ActorDirectory, inject: options.directory.inject },
        JwtAuthGuard,
      ],
      exports: [TOKEN_SERVICE, ACTOR_DIRECTORY, JwtAuthGuard],
    };
  }
}
