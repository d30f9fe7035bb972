import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { AuthenticatedActor, Role } from './actor';
import { JwtAuthGuard, ROLES_KEY } from './jwt-auth.guard';

/** `@Auth('pharmacist', 'auditor')`: bearer token required, and one of these roles. */
export function Auth(...roles: Role[]) {
  return applyDecorators(
    SetMetadata(ROLES_KEY, roles),
    UseGuards(JwtAuthGuard),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'missing, malformed, expired or badly signed token' }),
    ApiForbiddenResponse({ description: `role not allowed (allowed: ${roles.join(', ') || 'any'})` }),
  );
}

/** The caller authenticated by JwtAuthGuard. */
export const CurrentActor = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthenticatedActor => {
  const actor = ctx.switchToHttp().getRequest<{ actor?: AuthenticatedActor }>().actor;
  if (!actor) throw new Error('CurrentActor used on a route without @Auth()');
  return actor;
});
