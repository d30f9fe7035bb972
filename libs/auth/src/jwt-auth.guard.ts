import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthenticatedActor, Role } from './actor';
import { InvalidTokenError, TOKEN_SERVICE, TokenService } from './token.service';

export const ROLES_KEY = 'rx:roles';

/** Authenticates the bearer token, then checks the route's roles. 401 for identity, 403 for role. */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    @Inject(TOKEN_SERVICE) private readonly tokens: TokenService,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; actor?: AuthenticatedActor }>();
    const header = request.headers['authorization'];
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new UnauthorizedException({ code: 'UNAUTHENTICATED', message: 'a bearer token is required' });
    try {
      request.actor = this.tokens.verify(match[1]);
    } catch (e) {
      if (e instanceof InvalidTokenError) throw new UnauthorizedException({ code: 'UNAUTHENTICATED', message: e.message });
      throw e;
    }
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [context.getHandler(), context.getClass()]);
    if (roles && roles.length > 0 && !roles.includes(request.actor.role)) {
      throw new ForbiddenException({ code: 'FORBIDDEN_ROLE', message: `role ${request.actor.role} may not do this; allowed: ${roles.join(', ')}` });
    }
    return true;
  }
}
