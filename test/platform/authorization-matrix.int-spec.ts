import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { TokenService, type Role } from '@rx/auth';
import { UNIQUE_KEY_STREAM_PREFIX } from '@rx/event-store';
import { ManualClock } from '@rx/kernel';
import { createTestApp, TEST_JWT_SECRET, TestApp } from '@rx/runtime/testing';
import { PLATFORM_CONTEXTS } from '../../apps/platform/src/platform.contexts';

/**
 * Issue 15.8: every route × every role × own and other organisation × spoofed claims, over HTTP
 * on the whole platform. The routes come from Nest's own route table (every controller method
 * with a route), so a route added without a rule here fails the first test.
 */

type Refusal = { status: number; code: string };
interface Rule {
  /** Roles the route admits; 'public' needs no token. */
  roles: Role[] | 'public';
  /**
   * For routes about one organisation's resource (the fixture's H001 prescription, P001's claim and
   * dispense): what a registered user of the same role from another organisation gets. Sent with a
   * valid body, so only the ownership rule can refuse it.
   */
  otherOrg?: Refusal;
  /** A body a handler would accept (for the other-organisation check). */
  body?: (f: Fixture) => Record<string, unknown>;
}

interface Fixture {
  rxId: string;
  pickupCode: string;
  dispenseId: string;
}

const RULES: Record<string, Rule> = {
  'GET /health': { roles: 'public' },
  'POST /prescriptions': { roles: ['physician'] },
  'POST /prescriptions/:id/revoke': { roles: ['physician'], otherOrg: { status: 403, code: 'NOT_ISSUING_INSTITUTION' }, body: () => ({ reason: 'matrix' }) },
  'GET /prescriptions/:id': { roles: ['physician', 'auditor'], otherOrg: { status: 403, code: 'NOT_ISSUING_INSTITUTION' } },
  'POST /dispensing/claims': { roles: ['pharmacist'] },
  'DELETE /dispensing/claims/:rxId': { roles: ['pharmacist'], otherOrg: { status: 409, code: 'NOT_CLAIMED_BY_PHARMACY' } },
  'POST /dispensing/prescriptions/:rxId/review': { roles: ['pharmacist'], otherOrg: { status: 409, code: 'NOT_CLAIMED_BY_PHARMACY' }, body: () => ({ decision: 'APPROVED' }) },
  'POST /dispensing/prescriptions/:rxId/dispenses': {
    roles: ['pharmacist'],
    otherOrg: { status: 409, code: 'NOT_CLAIMED_BY_PHARMACY' },
    body: () => ({ lines: [{ drugCode: 'AML-5', quantity: 1, unitPriceFen: 80, batchNo: 'B9', traceCodes: ['99999999999999999999'] }] }),
  },
  'GET /dispensing/prescriptions/:rxId': { roles: ['pharmacist', 'auditor'], otherOrg: { status: 403, code: 'DISPENSATION_NOT_VISIBLE' } },
  'POST /dispensing/dispenses/:dispenseId/reversal': { roles: ['pharmacist'], otherOrg: { status: 403, code: 'NOT_DISPENSED_BY_PHARMACY' }, body: () => ({ reason: 'matrix' }) },
  'GET /settlement/dispenses/:dispenseId': { roles: ['pharmacist', 'agency', 'auditor'], otherOrg: { status: 403, code: 'NOT_OWN_PHARMACY' } },
  'GET /settlement/patients/:patientId/benefits/:year': { roles: ['agency', 'auditor'] },
  'GET /settlement/budget/:regionCode/:year': { roles: ['agency', 'auditor'] },
  'POST /settlement/claims': { roles: ['pharmacist'] },
  'POST /settlement/claims/:claimId/approve': { roles: ['agency'] },
  'POST /settlement/claims/:claimId/pay': { roles: ['agency'] },
  'GET /settlement/claims/:claimId': { roles: ['pharmacist', 'agency', 'auditor'] },
  'GET /settlement/claims': { roles: ['agency', 'auditor'] },
  'POST /settlement/pharmacies/:id/agreement/dissolve': { roles: ['agency'] },
  'GET /settlement/pharmacies/:id/agreement': { roles: ['agency', 'auditor', 'pharmacist'], otherOrg: { status: 403, code: 'NOT_OWN_PHARMACY' } },
  'GET /settlement/pharmacies/:id/recoveries': { roles: ['agency', 'auditor', 'pharmacist'], otherOrg: { status: 403, code: 'NOT_OWN_PHARMACY' } },
  'POST /settlement/personal-accounts/:holderId/credits': { roles: ['agency'] },
  'GET /settlement/personal-accounts/:holderId': { roles: ['agency', 'auditor'] },
  'GET /audit/prescriptions': { roles: ['auditor'] },
  'GET /audit/prescriptions/:rxId/history': { roles: ['auditor'] },
  'GET /audit/prescriptions/:rxId/state': { roles: ['auditor'] },
  'GET /audit/integrity': { roles: ['auditor'] },
  'GET /audit/alerts': { roles: ['auditor'] },
  'POST /audit/rebuild': { roles: ['auditor'] },
};

const ROLES: Role[] = ['physician', 'pharmacist', 'agency', 'auditor'];
/** The registered user of each role whose organisation owns the fixture. */
const OWN: Record<Role, { sub: string; org: string }> = {
  physician: { sub: 'D001', org: 'H001' },
  pharmacist: { sub: 'PH001', org: 'P001' },
  agency: { sub: 'AG001', org: 'AGENCY' },
  auditor: { sub: 'AU001', org: 'AUDIT' },
};
/** A registered user of the same role in another organisation (one agency and one audit office exist). */
const OTHER: Partial<Record<Role, { sub: string; org: string }>> = { physician: { sub: 'D002', org: 'H002' }, pharmacist: { sub: 'PH002', org: 'P002' } };
/** Validly signed claims the registry does not confirm, per role: unknown sub, another organisation, another role's user. */
const SPOOFS: Record<Role, Array<{ sub: string; org: string; code: string }>> = {
  physician: [
    { sub: 'D999', org: 'H001', code: 'ACTOR_UNKNOWN' },
    { sub: 'D002', org: 'H001', code: 'ACTOR_ORGANISATION_MISMATCH' },
    { sub: 'PH001', org: 'H001', code: 'ACTOR_UNKNOWN' },
  ],
  pharmacist: [
    { sub: 'PH999', org: 'P001', code: 'ACTOR_UNKNOWN' },
    { sub: 'PH002', org: 'P001', code: 'ACTOR_ORGANISATION_MISMATCH' },
    { sub: 'PH003', org: 'P001', code: 'ACTOR_ORGANISATION_MISMATCH' },
    { sub: 'D001', org: 'P001', code: 'ACTOR_UNKNOWN' },
  ],
  agency: [
    { sub: 'AG999', org: 'AGENCY', code: 'ACTOR_UNKNOWN' },
    { sub: 'AG001', org: '522700', code: 'ACTOR_ORGANISATION_MISMATCH' },
    { sub: 'AU001', org: 'AGENCY', code: 'ACTOR_UNKNOWN' },
  ],
  auditor: [
    { sub: 'AU999', org: 'AUDIT', code: 'ACTOR_UNKNOWN' },
    { sub: 'AU001', org: 'AGENCY', code: 'ACTOR_ORGANISATION_MISMATCH' },
    { sub: 'AG001', org: 'AUDIT', code: 'ACTOR_UNKNOWN' },
  ],
};

/** Every route Nest registered: `METHOD /path` with `:params`, from the controllers' metadata. */
function discoveredRoutes(t: TestApp): string[] {
  const routes = new Set<string>();
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const type = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!type) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, type) ?? '');
      const proto = type.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = proto[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        if (method === undefined || path === undefined) continue;
        const full = `/${[base, path].map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`;
        routes.add(`${RequestMethod[method]} ${full}`);
      }
    }
  }
  return [...routes].sort();
}

describe('authorization matrix: every route × role × organisation × spoofed claims', () => {
  let t: TestApp;
  let fixture: Fixture;

  /** `ids: 'unknown'` points the route at resources that do not exist, so a probe that passes the guard changes nothing. */
  const send = (route: string, auth: string | undefined, body?: Record<string, unknown>, ids: 'fixture' | 'unknown' = 'fixture') => {
    const [method, template] = route.split(' ');
    const rxId = ids === 'fixture' ? fixture.rxId : '0190f5d0-0000-7000-8000-0000000000aa';
    const dispenseId = ids === 'fixture' ? fixture.dispenseId : '0190f5d0-0000-7000-8000-0000000000bb';
    const path = template
      .replace(':rxId', rxId)
      .replace(':dispenseId', dispenseId)
      .replace(':claimId', '0190f5d0-0000-7000-8000-00000000c1a1')
      .replace(':patientId', 'PT001')
      .replace(':holderId', 'PT001')
      .replace(':regionCode', '522700')
      .replace(':year', '2026')
      .replace(':id', template.startsWith('/prescriptions') ? rxId : 'P001');
    let req = t.http[method.toLowerCase() as 'get' | 'post' | 'delete'](path);
    if (auth) req = req.set('Authorization', auth);
    return method === 'GET' ? req : req.send(body ?? { matrixProbe: true });
  };
  /**
   * Events that record business facts. A refused dispense reserves and gives back its traceability
   * codes in the store's unique-key streams (the uniqueness guarantee, issue 15.5); those come and
   * go and are left out here.
   */
  const count = async () => (await t.store.readAll({})).filter((e) => !e.streamId.startsWith(UNIQUE_KEY_STREAM_PREFIX)).length;
  async function quiet(): Promise<number> {
    let last = -1;
    let now = await count();
    while (now !== last) {
      last = now;
      await new Promise((r) => setTimeout(r, 50));
      now = await count();
    }
    return now;
  }
  async function eventually(what: string, probe: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  beforeAll(async () => {
    t = await createTestApp({ imports: PLATFORM_CONTEXTS, clock: new ManualClock('2026-03-02T01:00:00.000Z') });
    // H001's prescription, claimed and reviewed by P001 (which still holds it), part dispensed, its payment recorded.
    const issued = await t.http
      .post('/prescriptions')
      .set('Authorization', t.as('D001'))
      .send({ patientId: 'PT003', diagnoses: [{ code: 'I10', name: 'Hypertension' }], items: [{ drugCode: 'AML-5', quantity: 7, daysSupply: 7, dosage: { dose: 1, unit: 'tablet', timesPerDay: 1 } }], longTerm: false });
    if (issued.status !== 201) throw new Error(`fixture issue: ${issued.status} ${issued.text}`);
    const rxId = issued.body.prescriptionId as string;
    await eventually('dispensing to learn the prescription', async () => (await t.http.get(`/dispensing/prescriptions/${rxId}`).set('Authorization', t.as('AU001'))).status === 200);
    const pickupCode = issued.body.pickupCode as string;
    expect((await t.http.post('/dispensing/claims').set('Authorization', t.as('PH001')).send({ prescriptionId: rxId, pickupCode })).status).toBe(201);
    expect((await t.http.post(`/dispensing/prescriptions/${rxId}/review`).set('Authorization', t.as('PH001')).send({ decision: 'APPROVED' })).status).toBe(200);
    const dispensed = await t.http
      .post(`/dispensing/prescriptions/${rxId}/dispenses`)
      .set('Authorization', t.as('PH001'))
      .send({ lines: [{ drugCode: 'AML-5', quantity: 3, unitPriceFen: 80, batchNo: 'B1', traceCodes: ['00000000000000000001'] }] });
    if (dispensed.status !== 201) throw new Error(`fixture dispense: ${dispensed.status} ${dispensed.text}`);
    fixture = { rxId, pickupCode, dispenseId: dispensed.body.dispenseId };
    await eventually('the payment', async () => (await t.http.get(`/settlement/dispenses/${fixture.dispenseId}`).set('Authorization', t.as('AG001'))).status === 200);
  }, 60_000);
  afterAll(() => t?.close());

  it('has a rule for every route Nest registered, and no rule for a route that does not exist', () => {
    expect(discoveredRoutes(t)).toEqual(Object.keys(RULES).sort());
  });

  const routes = Object.keys(RULES).sort();

  it.each(routes)('%s: without a token, or with an expired, forged or exp-less one, 401 (public routes answer)', async (route) => {
    const rule = RULES[route];
    const before = await quiet();
    const now = Math.floor(Date.now() / 1000);
    const own = OWN.auditor;
    const signer = new TokenService(TEST_JWT_SECRET);
    const claims = { sub: own.sub, role: 'auditor', org: own.org };
    const expired = `Bearer ${signer.signClaims({ ...claims, iat: now - 7200, exp: now - 60 })}`;
    const noExp = `Bearer ${signer.signClaims({ ...claims, iat: now })}`;
    const forged = t.as('AU001').replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    for (const auth of [undefined, expired, noExp, forged, 'Bearer not.a.jwt']) {
      const res = await send(route, auth, rule.body?.(fixture));
      if (rule.roles === 'public') expect({ auth, status: res.status }).toEqual({ auth, status: 200 });
      else expect({ auth, status: res.status, code: res.body.code }).toEqual({ auth, status: 401, code: 'UNAUTHENTICATED' });
    }
    expect(await quiet()).toBe(before);
  });

  it.each(routes.filter((r) => RULES[r].roles !== 'public'))('%s: validly signed claims the registry does not confirm get 403 and append nothing, whatever the role', async (route) => {
    const rule = RULES[route];
    const before = await quiet();
    for (const role of ROLES) {
      for (const spoof of SPOOFS[role]) {
        const res = await send(route, t.bearer(role, spoof.sub, spoof.org), rule.body?.(fixture));
        expect({ role, ...spoof, status: res.status, code: res.body.code }).toEqual({ role, ...spoof, status: 403, code: spoof.code });
      }
    }
    expect(await quiet()).toBe(before);
  });

  it.each(routes.filter((r) => RULES[r].roles !== 'public'))('%s: each registered role is let through or refused FORBIDDEN_ROLE as the rule says', async (route) => {
    const rule = RULES[route];
    const before = await quiet();
    for (const role of ROLES) {
      const allowed = (rule.roles as Role[]).includes(role);
      // Allowed callers send a body no handler accepts, about resources that do not exist: the probe passes the guard and changes nothing.
      const res = await send(route, t.bearer(role, OWN[role].sub, OWN[role].org), undefined, 'unknown');
      if (allowed) expect({ role, refused: [401, 403].includes(res.status), body: res.body }).toMatchObject({ role, refused: false });
      else expect({ role, status: res.status, code: res.body.code }).toEqual({ role, status: 403, code: 'FORBIDDEN_ROLE' });
    }
    expect(await quiet()).toBe(before);
  });

  it.each(routes.filter((r) => RULES[r].otherOrg))('%s: a registered user of another organisation is refused and appends nothing', async (route) => {
    const rule = RULES[route];
    const before = await quiet();
    for (const role of (rule.roles as Role[]).filter((r) => OTHER[r])) {
      const other = OTHER[role]!;
      const res = await send(route, t.bearer(role, other.sub, other.org), rule.body?.(fixture));
      expect({ role, status: res.status, code: res.body.code }).toEqual({ role, ...rule.otherOrg });
    }
    expect(await quiet()).toBe(before);
  });
});
