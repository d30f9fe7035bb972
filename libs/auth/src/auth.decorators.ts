import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { AuthenticatedActor, Role } from './actor';
import { ACTIVE_ORGANISATION_KEY, JwtAuthGuard, ROLES_KEY } from './jwt-auth.guard';

/** `@Auth('pharmacist', 'auditor')`: bearer token required, its actor registered, and one of these roles. */
export function Auth(...roles: Role[]) {
  return applyDecorators(
    SetMetadata(ROLES_KEY, roles),
    UseGuards(JwtAuthGuard),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'missing, malformed, expired or badly signed token' }),
    ApiForbiddenResponse({ description: `actor not registered with this role and organisation, or role not allowed (allowed: ${roles.join(', ') || 'any'})` }),
  );
}

/**
 * With `@Auth`: the actor's organisation must have an active agreement (403 `ORGANISATION_INACTIVE`).
 * For commands that start new business; reads, refunds and settling what was done before a
 * dissolution stay open.
 */
export function ActiveOrganisation() {
  return SetMetadata(ACTIVE_ORGANISATION_KEY, true);
}

/** The caller authenticated by JwtAuthGuard and resolved against the registry. */
export const CurrentActor = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthenticatedActor => {
  const actor = ctx.switchToHttp().getRequest<{ actor?: AuthenticatedActor }>().actor;
  if (!actor) throw new Error('CurrentActor used on a route without @Auth()');
  return actor;
});
