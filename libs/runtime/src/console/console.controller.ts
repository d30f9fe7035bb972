import { Body, Controller, Get, HttpCode, Inject, NotFoundException, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Auth, TOKEN_SERVICE, type TokenService } from '@rx/auth';
import { ReferenceDataService } from '@rx/reference-data';
import { IsString, Matches } from 'class-validator';
import { RX_CONFIG, type RuntimeConfig } from '../config';
import { demoUsers, type DemoUser } from './demo-users';

/** Lifetime of a development token the console mints: a working day and a half. */
export const DEV_TOKEN_TTL_SECONDS = 12 * 3600;

export class DevTokenRequest {
  @ApiProperty({ example: 'D001', description: "a user of the demo region's registry" })
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, { message: 'userId must be a registry id' })
  userId: string;
}

/** What the sign-in page needs before anyone is signed in. */
export interface ConsoleSession {
  /** development: pick a demo user (the server mints the token); production: paste a bearer token. */
  signIn: 'demo-users' | 'bearer-token';
  demoUsers: DemoUser[];
}

@ApiTags('console')
@Controller('console/api')
export class ConsoleController {
  constructor(
    @Inject(RX_CONFIG) private readonly config: RuntimeConfig,
    private readonly ref: ReferenceDataService,
  ) {}

  @Get('session')
  @ApiOkResponse({ description: 'how to sign in here; the demo users only outside production' })
  session(): ConsoleSession {
    return this.config.production ? { signIn: 'bearer-token', demoUsers: [] } : { signIn: 'demo-users', demoUsers: demoUsers(this.ref) };
  }

  @Get('catalogue')
  @Auth('physician', 'pharmacist', 'agency', 'auditor')
  @ApiOkResponse({ description: 'the drug catalogue, pharmacies, institutions, regions with a policy and the holiday calendars (working-day counts), for pick lists and names' })
  catalogue() {
    return {
      drugs: this.ref.drugs,
      pharmacies: this.ref.pharmacies.map((p) => ({ id: p.id, name: p.name, regionCode: p.regionCode, agreementStatus: p.agreement.status })),
      institutions: this.ref.institutions.map((i) => ({ id: i.id, name: i.name, regionCode: i.regionCode })),
      regions: [...new Set(this.ref.policies.map((p) => p.regionCode))].map((regionCode) => ({
        regionCode,
        years: this.ref.policies.filter((p) => p.regionCode === regionCode).map((p) => p.year).sort(),
      })),
      holidays: this.ref.holidays.map((h) => ({ year: h.year, holidays: h.holidays, makeUpWorkingDays: h.makeUpWorkingDays })),
    };
  }
}

/**
 * Development sign-in: a token for a registry user, minted by the server. Not registered at all in
 * production (the route is a plain 404 there), and refuses anyway if the config says production.
 */
@ApiTags('console')
@Controller('console/api')
export class DevSignInController {
  constructor(
    @Inject(RX_CONFIG) private readonly config: RuntimeConfig,
    @Inject(TOKEN_SERVICE) private readonly tokens: TokenService,
    private readonly ref: ReferenceDataService,
  ) {}

  @Post('dev-token')
  @HttpCode(201)
  @ApiCreatedResponse({ description: '{ token, user, expiresAt }: development only' })
  @ApiNotFoundResponse({ description: 'USER_NOT_FOUND: not a user of the registry; NOT_FOUND in production' })
  mint(@Body() body: DevTokenRequest): { token: string; user: DemoUser; expiresAt: string } {
    if (this.config.production) throw new NotFoundException();
    const user = demoUsers(this.ref).find((u) => u.id === body.userId);
    if (!user) throw new NotFoundException({ code: 'USER_NOT_FOUND', message: `${body.userId} is not a user of the demo registry`, field: 'userId' });
    const token = this.tokens.sign({ sub: user.id, role: user.role, org: user.org }, DEV_TOKEN_TTL_SECONDS);
    const exp = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).exp as number;
    return { token, user, expiresAt: new Date(exp * 1000).toISOString() };
  }
}
