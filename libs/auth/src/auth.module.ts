import { DynamicModule, Global, Module } from '@nestjs/common';
import { JwtAuthGuard } from './jwt-auth.guard';
import { TOKEN_SERVICE, TokenService } from './token.service';

@Global()
@Module({})
export class AuthModule {
  static forRoot(options: { secret: string }): DynamicModule {
    return {
      module: AuthModule,
      providers: [{ provide: TOKEN_SERVICE, useValue: new TokenService(options.secret) }, JwtAuthGuard],
      exports: [TOKEN_SERVICE, JwtAuthGuard],
    };
  }
}
