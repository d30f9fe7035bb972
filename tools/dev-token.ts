/**
 * Prints a development bearer token for a registered user of the reference data:
 *   npm run token -- --sub D001                      (role and organisation from the registry)
 *   npm run token -- --role physician --sub D001 --org H001 [--hours 8]
 * Signed with RX_JWT_SECRET, or the development default the platform uses when it is unset. The
 * platform refuses a token whose claims the registry does not confirm, and any lifetime beyond
 * RX_JWT_MAX_LIFETIME_MINUTES (12 hours by default), so this refuses to print one.
 */
import { DEV_JWT_SECRET } from '../libs/runtime/src/config';
import { isRole, ROLES } from '../libs/auth/src/actor';
import { TokenService } from '../libs/auth/src/token.service';
import { ReferenceDataService } from '../libs/reference-data/src/reference-data.service';
import { registeredUser } from '../libs/runtime/src/registry-actor-directory';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.stderr.write(`usage: npm run token -- --sub <registered user id> [--role <${ROLES.join('|')}>] [--org <organisation id>] [--hours 8]\n`);
  process.stderr.write('e.g.   npm run token -- --sub D001     (or --role physician --sub D001 --org H001)\n');
  process.exit(2);
}

const sub = arg('sub');
if (!sub) fail('--sub is required');
const ref = ReferenceDataService.load(process.env.RX_REFERENCE_DATA || './data/reference');
let user: ReturnType<typeof registeredUser>;
try {
  user = registeredUser(ref, sub);
} catch (e) {
  fail((e as Error).message);
}
const role = arg('role') ?? user.role;
const org = arg('org') ?? user.org;
if (!isRole(role)) fail(`unknown role ${role}`);
if (role !== user.role || org !== user.org) fail(`${sub} is registered as ${user.role} of ${user.org}; the platform would refuse ${role} of ${org}`);
const maxMinutes = Number(process.env.RX_JWT_MAX_LIFETIME_MINUTES || '720');
const hours = Number(arg('hours') ?? String(Math.min(8, maxMinutes / 60)));
if (!Number.isFinite(hours) || hours <= 0 || hours * 60 > maxMinutes) fail(`--hours must be above 0 and at most ${maxMinutes / 60} (RX_JWT_MAX_LIFETIME_MINUTES)`);
const secret = process.env.RX_JWT_SECRET || DEV_JWT_SECRET;
process.stdout.write(new TokenService(secret, undefined, { maxLifetimeSeconds: maxMinutes * 60 }).sign({ sub, role, org }, Math.round(hours * 3600)) + '\n');
