import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthenticatedActor, Role } from './actor';
import { ACTOR_DIRECTORY, type ActorDirectory } from './actor-directory';
import { InvalidTokenError, TOKEN_SERVICE, TokenService } from './token.service';

export const ROLES_KEY = 'rx:roles';
export const ACTIVE_ORGANISATION_KEY = 'rx:active-organisation';

/**
 * Once per request: authenticates the bearer token (401), resolves its claims against the
 * registry (403 `ACTOR_UNKNOWN` / `ACTOR_ORGANISATION_MISMATCH`), checks the route's roles (403
 * `FORBIDDEN_ROLE`) and, where the route asks, that the actor's organisation is active (403
 * `ORGANISATION_INACTIVE`). Handlers see only the resolved actor.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    @Inject(TOKEN_SERVICE) private readonly tokens: TokenService,
    @Inject(ACTOR_DIRECTORY) private readonly directory: ActorDirectory,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; actor?: AuthenticatedActor }>();
    const header = request.headers['authorization'];
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new UnauthorizedException({ code: 'UNAUTHENTICATED', message: 'a bearer token is required' });
    let claims: AuthenticatedActor;
    try {
      claims = this.tokens.verify(match[1]);
    } catch (e) {
      if (e instanceof InvalidTokenError) throw new UnauthorizedException({ code: 'UNAUTHENTICATED', message: e.message });
      throw e;
    }
    const resolved = this.directory.resolve(claims);
    if (!resolved.ok) throw new ForbiddenException({ code: resolved.code, message: resolved.message });
    const targets = [context.getHandler(), context.getClass()];
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && roles.length > 0 && !roles.includes(resolved.actor.role)) {
      throw new ForbiddenException({ code: 'FORBIDDEN_ROLE', message: `role ${resolved.actor.role} may not do this; allowed: ${roles.join(', ')}` });
    }
    if (!resolved.organisationActive && this.reflector.getAllAndOverride<boolean | undefined>(ACTIVE_ORGANISATION_KEY, targets)) {
      throw new ForbiddenException({ code: 'ORGANISATION_INACTIVE', message: `organisation ${resolved.actor.org} has no active agreement` });
    }
    request.actor = { ...resolved.actor };
    return true;
  }
}
