/**
 * Prints a development bearer token: npm run token -- --role physician --sub D001 --org H001
 * Signed with RX_JWT_SECRET, or the development default the platform uses when it is unset.
 */
import { DEV_JWT_SECRET } from '../libs/runtime/src/config';
import { isRole, ROLES } from '../libs/auth/src/actor';
import { TokenService } from '../libs/auth/src/token.service';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const role = arg('role');
const sub = arg('sub');
const org = arg('org');
const hours = Number(arg('hours') ?? '8');
if (!isRole(role) || !sub || !org || !Number.isFinite(hours) || hours <= 0) {
  process.stderr.write(`usage: npm run token -- --role <${ROLES.join('|')}> --sub <actor id> --org <institution or pharmacy id> [--hours 8]\n`);
  process.stderr.write('e.g.   npm run token -- --role physician --sub D001 --org H001\n');
  process.exit(2);
}
const secret = process.env.RX_JWT_SECRET || DEV_JWT_SECRET;
process.stdout.write(new TokenService(secret).sign({ sub, role, org }, Math.round(hours * 3600)) + '\n');
