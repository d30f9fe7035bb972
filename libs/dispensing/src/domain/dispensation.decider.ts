import { textProblem, TextLimits } from '@rx/contracts';
import { addMinutes, exhaustive, type Decider } from '@rx/kernel';
import type {
  ApplyPrescriptionExpired,
  ApplyRevocation,
  ClaimPrescription,
  CirculatedPrescription,
  Dispense,
  DispensationCommand,
  PrescribedItem,
  RecordFailedPickupAttempt,
  RegisterPrescription,
  ReleaseClaim,
  ReverseDispense,
  ReviewPrescription,
} from './dispensation.commands';
import {
  AlreadyClaimed,
  CancellationPending,
  DispenseAlreadyReversed,
  DispenseInputInvalid,
  DispenseNotFound,
  DrugNotOnPrescription,
  InstalmentTooEarly,
  InstalmentTooLong,
  NotClaimedByPharmacy,
  NotDispensedByPharmacy,
  PharmacyAgreementNotActive,
  PharmacyNotDesignatedForSpecialDrug,
  PharmacyPoolingNotOpen,
  PickupAttemptsThrottled,
  PickupCodeInvalid,
  PrescriptionExpired,
  PrescriptionFullyDispensed,
  PrescriptionInvalid,
  PrescriptionRevoked,
  QuantityExceedsPrescribed,
  ReversalReasonInvalid,
  ReviewReasonsInvalid,
  ReviewRejected,
  ReviewRequired,
  TraceCodeInvalid,
  TraceCodeUsed,
  UnknownPrescription,
} from './dispensation.errors';
import type {
  ClaimReleaseReason,
  ClaimReleased,
  DispensationEvent,
  DispensedLine,
  PrescriptionWithdrawn,
  RevocationAnswered,
  RevocationOutcome,
  WithdrawalReason,
} from './dispensation.events';
import {
  dispensedQuantities,
  fullyDispensed,
  isLive,
  itemStatusOf,
  newItemRecord,
  nothingDispensed,
  remainingOf,
  remainingQuantities,
  type Claim,
  type Dispensation,
  type ItemRecord,
  type KnownDispensation,
  pickupLockedUntil,
} from './dispensation.state';
import { assertDispensingPolicy, MAX_TRACKED_PICKUP_FAILURES, type DispensingPolicy } from './dispensing-policy';
import { chinaDateOfDayNumber, chinaDayNumber, daysCovered, earliestNextInstalmentDay } from './instalment';
import { isTraceCode } from './trace-code';

// Hostile-input bounds (domain.md: validate and bound every field).
export const DISPENSE_BOUNDS = {
  maxIdLength: 128,
  maxLines: 100,
  maxTraceCodesPerLine: 1000,
  maxUnitPriceFen: 10_000_000,
  maxDeliveryFeeFen: 1_000_000,
  maxReasons: 20,
  maxReasonLength: TextLimits.reason.max,
} as const;
const BATCH_NO = /^[\x21-\x7E]{1,64}$/;

type Claimed = Extract<Dispensation, { status: 'claimed' }>;

export const initialDispensation = (): Dispensation => ({ status: 'unknown' });

export function decideDispensation(cmd: DispensationCommand, s: Dispensation, now: Date, policy: DispensingPolicy): DispensationEvent[] {
  switch (cmd.type) {
    case 'RegisterPrescription':
      return register(cmd, s);
    case 'ClaimPrescription':
      return claim(cmd, known(s), now, policy);
    case 'RecordFailedPickupAttempt':
      return recordFailedPickup(cmd, known(s), now, policy);
    case 'ReleaseClaim':
      return release(cmd, known(s), now);
    case 'ExpireClaim':
      return s.status === 'claimed' && !isLive(s.claim, now) ? endClaim(s, 'EXPIRED', now) : [];
    case 'ReviewPrescription':
      return review(cmd, known(s), now);
    case 'Dispense':
      return dispense(cmd, known(s), now, policy);
    case 'ReverseDispense':
      return reverse(cmd, known(s), now);
    case 'ApplyRevocation':
      return applyRevocation(cmd, known(s), now);
    case 'ApplyPrescriptionExpired':
      return applyExpiry(cmd, known(s), now);
    default:
      return exhaustive(cmd, 'dispensation command');
  }
}

// ---- registration ----

function register(cmd: RegisterPrescription, s: Dispensation): DispensationEvent[] {
  if (s.status !== 'unknown') return []; // learnt already: a redelivered issued event changes nothing
  const d = cmd.data;
  const bad = (field: string, what: string): never => {
    throw new PrescriptionInvalid(`${field} ${what}`, { field });
  };
  const id = (v: unknown, field: string) => {
    if (typeof v !== 'string' || v.trim() === '' || v.length > DISPENSE_BOUNDS.maxIdLength) bad(field, 'must be a non-empty id');
  };
  id(d.prescriptionId, 'prescriptionId');
  id(d.patientId, 'patientId');
  id(d.institutionId, 'institutionId');
  id(d.regionCode, 'regionCode');
  id(d.pickupCodeHash, 'pickupCodeHash');
  id(d.sourceEventId, 'sourceEventId');
  if (d.insuranceType !== 'employee' && d.insuranceType !== 'resident') bad('insuranceType', 'must be employee or resident');
  if (![1, 2, 3].includes(d.institutionLevel)) bad('institutionLevel', 'must be 1, 2 or 3');
  if (typeof d.retired !== 'boolean') bad('retired', 'must be a boolean');
  if (typeof d.longTerm !== 'boolean') bad('longTerm', 'must be a boolean');
  if (Number.isNaN(Date.parse(d.issuedAt))) bad('issuedAt', 'must be an ISO instant');
  if (Number.isNaN(Date.parse(d.validUntil)) || Date.parse(d.validUntil) <= Date.parse(d.issuedAt)) bad('validUntil', 'must be an ISO instant after issuedAt');
  if (!Array.isArray(d.items) || d.items.length === 0 || d.items.length > DISPENSE_BOUNDS.maxLines) bad('items', `must hold 1 to ${DISPENSE_BOUNDS.maxLines} items`);
  const lineNos = new Set<number>();
  const codes = new Set<string>();
  d.items.forEach((item, i) => {
    const f = `items[${i}]`;
    if (!Number.isSafeInteger(item.lineNo) || item.lineNo < 1 || lineNos.has(item.lineNo)) bad(`${f}.lineNo`, 'must be a unique positive integer');
    id(item.drugCode, `${f}.drugCode`);
    // Dispense lines name a drug, not a line: one line per drug keeps that unambiguous.
    if (codes.has(item.drugCode)) bad(`${f}.drugCode`, 'appears twice on the prescription');
    if (typeof item.drugName !== 'string' || item.drugName.trim() === '' || item.drugName.length > 500) bad(`${f}.drugName`, 'must be non-empty text');
    if (typeof item.unit !== 'string' || item.unit.trim() === '' || item.unit.length > DISPENSE_BOUNDS.maxIdLength) bad(`${f}.unit`, 'must be non-empty text');
    if (!['A', 'B', 'SELF_PAY'].includes(item.drugClass)) bad(`${f}.drugClass`, 'must be A, B or SELF_PAY');
    if (typeof item.special !== 'boolean') bad(`${f}.special`, 'must be a boolean');
    if (!Number.isSafeInteger(item.quantity) || item.quantity < 1) bad(`${f}.quantity`, 'must be a positive integer');
    if (!Number.isSafeInteger(item.daysSupply) || item.daysSupply < 1) bad(`${f}.daysSupply`, 'must be a positive integer');
    if (!Number.isSafeInteger(item.referencePriceFen) || item.referencePriceFen < 0) bad(`${f}.referencePriceFen`, 'must be non-negative integer fen');
    lineNos.add(item.lineNo);
    codes.add(item.drugCode);
  });
  const rx: CirculatedPrescription & { sourceEventId: string } = {
    prescriptionId: d.prescriptionId,
    patientId: d.patientId,
    insuranceType: d.insuranceType,
    retired: d.retired,
    institutionId: d.institutionId,
    institutionLevel: d.institutionLevel,
    regionCode: d.regionCode,
    longTerm: d.longTerm,
    issuedAt: d.issuedAt,
    validUntil: d.validUntil,
    pickupCodeHash: d.pickupCodeHash,
    items: d.items.map((i): PrescribedItem => ({
      lineNo: i.lineNo,
      drugCode: i.drugCode,
      drugName: i.drugName,
      drugClass: i.drugClass,
      special: i.special,
      quantity: i.quantity,
      unit: i.unit,
      daysSupply: i.daysSupply,
      referencePriceFen: i.referencePriceFen,
    })),
    sourceEventId: d.sourceEventId,
  };
  return [{ type: 'PrescriptionRegistered', data: rx }];
}

// ---- claim ----

function claim(cmd: ClaimPrescription, s: KnownDispensation, now: Date, policy: DispensingPolicy): DispensationEvent[] {
  const { pharmacyId, pharmacistId, pharmacy } = cmd.data;
  // A pharmacy that may not claim at all is refused before its code is looked at, so its guesses
  // neither count nor teach it anything.
  if (!pharmacy.agreementActive) throw new PharmacyAgreementNotActive(`pharmacy ${pharmacyId} has no active agreement`);
  if (!pharmacy.outpatientPooling) throw new PharmacyPoolingNotOpen(`pharmacy ${pharmacyId} has not opened outpatient pooling`);
  // The locks come before the code check, or a locked pharmacy would still get answers to guesses.
  const lockedUntil = pickupLockedUntil(s.pickup, pharmacyId, now);
  if (lockedUntil)
    throw new PickupAttemptsThrottled(`too many wrong pickup codes from pharmacy ${pharmacyId} on this prescription; try again after ${lockedUntil}`, {
      details: { lockedUntil, scope: 'PRESCRIPTION' },
    });
  const pharmacyLock = cmd.data.pharmacyPickupLockedUntil;
  if (pharmacyLock && Date.parse(pharmacyLock) > now.getTime())
    throw new PickupAttemptsThrottled(`too many wrong pickup codes from pharmacy ${pharmacyId}; try again after ${pharmacyLock}`, {
      details: { lockedUntil: pharmacyLock, scope: 'PHARMACY' },
    });
  if (cmd.data.pickupCodeHash !== s.rx.pickupCodeHash) throw new PickupCodeInvalid('the pickup code does not match the prescription', { field: 'pickupCode' });
  refuseClosed(s);
  if (s.status === 'claimed' && s.claim.cancellationPending) {
    if (isLive(s.claim, now)) {
      if (s.claim.pharmacyId === pharmacyId) return []; // its claim back; the state shows the pending cancellation
      throw new AlreadyClaimed('the prescription is claimed by another pharmacy');
    }
    throw new PrescriptionRevoked('the prescription has been revoked');
  }
  refuseOutsideValidity(s, now);
  const undesignated = s.rx.items.find((i) => i.special && remaining(s, i.drugCode) > 0 && !pharmacy.designatedSpecialDrugs.includes(i.drugCode));
  if (undesignated)
    throw new PharmacyNotDesignatedForSpecialDrug(`pharmacy ${pharmacyId} is not designated for special drug ${undesignated.drugCode}`, {
      details: { drugCode: undesignated.drugCode },
    });
  const claimed: DispensationEvent = {
    type: 'PrescriptionClaimed',
    data: {
      prescriptionId: s.rx.prescriptionId,
      pharmacyId,
      pharmacistId,
      claimedAt: now.toISOString(),
      expiresAt: addMinutes(now, policy.claimTtlMinutes).toISOString(),
    },
  };
  if (s.status !== 'claimed') return [claimed];
  if (isLive(s.claim, now)) {
    if (s.claim.pharmacyId === pharmacyId) return []; // idempotent: the same pharmacy gets its claim back
    throw new AlreadyClaimed('the prescription is claimed by another pharmacy');
  }
  return [released(s, s.claim.pharmacyId, 'EXPIRED', now), claimed];
}

function recordFailedPickup(cmd: RecordFailedPickupAttempt, s: KnownDispensation, now: Date, policy: DispensingPolicy): DispensationEvent[] {
  const t = policy.pickupThrottle;
  const { pharmacyId } = cmd.data;
  if (pickupLockedUntil(s.pickup, pharmacyId, now)) return []; // already locked: nothing new to learn
  const windowStart = now.getTime() - t.windowMinutes * 60_000;
  const failures = (s.pickup.byPharmacy[pharmacyId]?.failures ?? []).filter((f) => Date.parse(f) > windowStart).length + 1;
  const events: DispensationEvent[] = [
    { type: 'PickupAttemptFailed', data: { prescriptionId: s.rx.prescriptionId, pharmacyId: cmd.data.pharmacyId, failedAt: now.toISOString() } },
  ];
  if (failures >= t.maxFailures)
    events.push({
      type: 'PickupLocked',
      data: { prescriptionId: s.rx.prescriptionId, pharmacyId, failures, lockedAt: now.toISOString(), lockedUntil: addMinutes(now, t.lockMinutes).toISOString() },
    });
  return events;
}

function release(cmd: ReleaseClaim, s: KnownDispensation, now: Date): DispensationEvent[] {
  switch (s.status) {
    case 'completed':
    case 'withdrawn':
    case 'expired':
      return []; // nothing is held any more
    case 'circulating':
      if (s.lastClaim?.pharmacyId === cmd.data.pharmacyId) return []; // a repeated release
      throw new NotClaimedByPharmacy(`pharmacy ${cmd.data.pharmacyId} does not hold the prescription`);
    case 'claimed':
      if (s.claim.pharmacyId !== cmd.data.pharmacyId) throw new NotClaimedByPharmacy(`pharmacy ${cmd.data.pharmacyId} does not hold the prescription`);
      return endClaim(s, isLive(s.claim, now) ? 'RELEASED' : 'EXPIRED', now);
    default:
      return exhaustive(s, 'dispensation status');
  }
}

/** Ends a claim; a cancellation marked while it was held is applied now (D8). */
function endClaim(s: Claimed, reason: ClaimReleaseReason, now: Date): DispensationEvent[] {
  const events: DispensationEvent[] = [released(s, s.claim.pharmacyId, reason, now)];
  const pending = s.claim.cancellationPending;
  if (pending) events.push(withdrawn(s, 'REVOKED', now), answered(s, pending.sourceEventId, 'WITHDRAWN', now));
  return events;
}

// ---- review ----

function review(cmd: ReviewPrescription, s: KnownDispensation, now: Date): DispensationEvent[] {
  const { pharmacyId, pharmacistId, decision } = cmd.data;
  refuseClosed(s);
  const held = requireHolder(s, pharmacyId, now, false);
  refuseOutsideValidity(s, now);
  const reasons = reviewReasons(cmd.data.reasons, decision === 'REJECTED');
  if (decision === 'APPROVED' && held.claim.approval) return []; // already approved on this claim
  const reviewed: DispensationEvent = {
    type: 'PrescriptionReviewed',
    data: { prescriptionId: s.rx.prescriptionId, pharmacyId, pharmacistId, decision, reasons, reviewedAt: now.toISOString() },
  };
  // D3: a rejection returns the prescription to circulation so the patient can go elsewhere.
  return decision === 'REJECTED' ? [reviewed, released(s, pharmacyId, 'REJECTED', now)] : [reviewed];
}

function reviewReasons(input: readonly string[] | undefined, required: boolean): string[] {
  const reasons = input ?? [];
  if (!Array.isArray(reasons) || reasons.length > DISPENSE_BOUNDS.maxReasons)
    throw new ReviewReasonsInvalid(`at most ${DISPENSE_BOUNDS.maxReasons} reasons`, { field: 'reasons' });
  reasons.forEach((r, i) => {
    if (textProblem(r, TextLimits.reason))
      throw new ReviewReasonsInvalid(`reason ${i} must be non-empty text of at most ${DISPENSE_BOUNDS.maxReasonLength} characters`, { field: `reasons[${i}]` });
  });
  if (required && reasons.length === 0) throw new ReviewReasonsInvalid('a rejection needs at least one reason', { field: 'reasons' });
  return reasons.map((r) => r.trim());
}

// ---- dispense ----

function dispense(cmd: Dispense, s: KnownDispensation, now: Date, policy: DispensingPolicy): DispensationEvent[] {
  const d = cmd.data;
  if (typeof d.dispenseId !== 'string' || d.dispenseId.trim() === '' || d.dispenseId.length > DISPENSE_BOUNDS.maxIdLength)
    throw new DispenseInputInvalid('dispenseId must be a non-empty id', { field: 'dispenseId' });
  if (s.dispenses.some((x) => x.dispenseId === d.dispenseId)) return []; // a retried dispense: the first one stands
  refuseClosed(s);
  const held = requireHolder(s, d.pharmacyId, now, true);
  refuseOutsideValidity(s, now);
  if (!held.claim.approval) throw new ReviewRequired('a pharmacist must approve the prescription before dispensing');

  const lines = dispenseLines(s, d.lines);
  const deliveryFeeFen = d.deliveryFeeFen ?? 0;
  if (!Number.isSafeInteger(deliveryFeeFen) || deliveryFeeFen < 0 || deliveryFeeFen > DISPENSE_BOUNDS.maxDeliveryFeeFen)
    throw new DispenseInputInvalid(`deliveryFeeFen must be integer fen from 0 to ${DISPENSE_BOUNDS.maxDeliveryFeeFen}`, { field: 'deliveryFeeFen' });
  if (s.rx.longTerm) checkInstalment(s, lines, now, policy);

  const after = s.items.map((i) => {
    const line = lines.find((l) => l.drugCode === i.drugCode);
    return line ? { ...i, dispensed: i.dispensed + line.quantity } : i;
  });
  const rx = s.rx;
  return [
    {
      type: 'PrescriptionDispensed',
      data: {
        dispenseId: d.dispenseId,
        prescriptionId: rx.prescriptionId,
        pharmacyId: d.pharmacyId,
        pharmacistId: d.pharmacistId,
        patientId: rx.patientId,
        insuranceType: rx.insuranceType,
        retired: rx.retired,
        regionCode: rx.regionCode,
        institutionId: rx.institutionId,
        institutionLevel: rx.institutionLevel,
        longTerm: rx.longTerm,
        // Numbers are never reused: a reversed dispense keeps its instalment number.
        instalment: s.dispenses.length + 1,
        daysSupply: Math.max(...lines.map((l) => l.daysSupply)),
        dispensedAt: now.toISOString(),
        lines,
        deliveryFeeFen,
        fullyDispensed: fullyDispensed(after),
        remaining: remainingQuantities(after),
      },
    },
  ];
}

function dispenseLines(s: KnownDispensation, input: Dispense['data']['lines']): DispensedLine[] {
  if (!Array.isArray(input) || input.length === 0 || input.length > s.rx.items.length)
    throw new DispenseInputInvalid(`lines must hold 1 to ${s.rx.items.length} lines`, { field: 'lines' });
  const usedTraceCodes = new Map(s.dispenses.filter((x) => !x.reversal).flatMap((x) => x.lines.flatMap((l) => l.traceCodes.map((c) => [c, x.dispenseId] as const))));
  const seenDrugs = new Set<string>();
  return input.map((line, i): DispensedLine => {
    const f = `lines[${i}]`;
    const item = s.rx.items.find((it) => it.drugCode === line.drugCode);
    if (!item) throw new DrugNotOnPrescription(`drug ${String(line.drugCode)} is not on the prescription`, { field: `${f}.drugCode`, details: { drugCode: line.drugCode } });
    if (seenDrugs.has(item.drugCode)) throw new DispenseInputInvalid(`drug ${item.drugCode} appears on two lines`, { field: `${f}.drugCode` });
    seenDrugs.add(item.drugCode);
    if (!Number.isSafeInteger(line.quantity) || line.quantity < 1) throw new DispenseInputInvalid('quantity must be a positive integer', { field: `${f}.quantity` });
    const left = remaining(s, item.drugCode);
    if (line.quantity > left)
      throw new QuantityExceedsPrescribed(`${line.quantity} of ${item.drugCode} exceeds the ${left} left to dispense`, {
        field: `${f}.quantity`,
        details: { drugCode: item.drugCode, requested: line.quantity, remaining: left },
      });
    if (!Number.isSafeInteger(line.unitPriceFen) || line.unitPriceFen < 0 || line.unitPriceFen > DISPENSE_BOUNDS.maxUnitPriceFen)
      throw new DispenseInputInvalid(`unitPriceFen must be integer fen from 0 to ${DISPENSE_BOUNDS.maxUnitPriceFen}`, { field: `${f}.unitPriceFen` });
    if (typeof line.batchNo !== 'string' || !BATCH_NO.test(line.batchNo))
      throw new DispenseInputInvalid('batchNo must be 1 to 64 printable characters without spaces', { field: `${f}.batchNo` });
    const traceCodes = checkTraceCodes(line.traceCodes, line.quantity, f, usedTraceCodes);
    return {
      lineNo: item.lineNo,
      drugCode: item.drugCode,
      drugName: item.drugName,
      drugClass: item.drugClass,
      special: item.special,
      unit: item.unit,
      quantity: line.quantity,
      unitPriceFen: line.unitPriceFen,
      referencePriceFen: item.referencePriceFen,
      amountFen: line.quantity * line.unitPriceFen,
      // D7: above the reference price is sold, not refused; monitoring reads this flag.
      aboveReferencePrice: line.unitPriceFen > item.referencePriceFen,
      batchNo: line.batchNo,
      traceCodes,
      daysSupply: daysCovered(item, line.quantity),
    };
  });
}

/**
 * D6: at least one code per line and at most one per unit dispensed (a code marks a sales package,
 * and a package holds at least one unit); no code twice, nor one already dispensed on this prescription.
 */
function checkTraceCodes(input: readonly string[], quantity: number, f: string, used: Map<string, string>): string[] {
  if (!Array.isArray(input) || input.length === 0) throw new TraceCodeInvalid('each line needs at least one traceability code', { field: `${f}.traceCodes` });
  const max = Math.min(quantity, DISPENSE_BOUNDS.maxTraceCodesPerLine);
  if (input.length > max) throw new TraceCodeInvalid(`a line of ${quantity} units carries at most ${max} traceability codes`, { field: `${f}.traceCodes` });
  input.forEach((code, j) => {
    if (!isTraceCode(code)) throw new TraceCodeInvalid('a traceability code is exactly 20 digits', { field: `${f}.traceCodes[${j}]` });
    const soldIn = used.get(code);
    if (soldIn === '') throw new TraceCodeInvalid(`traceability code ${code} appears twice in this dispense`, { field: `${f}.traceCodes[${j}]` });
    if (soldIn !== undefined) throw new TraceCodeUsed(`traceability code ${code} is already sold`, { field: `${f}.traceCodes[${j}]`, details: { traceCode: code } });
    used.set(code, '');
  });
  return [...input];
}

/** D4, per drug: no instalment longer than the maximum, none earlier than the tolerance allows. */
function checkInstalment(s: KnownDispensation, lines: readonly DispensedLine[], now: Date, policy: DispensingPolicy): void {
  const today = chinaDayNumber(now);
  for (const line of lines) {
    if (line.daysSupply > policy.instalmentMaxDays)
      throw new InstalmentTooLong(`${line.quantity} of ${line.drugCode} covers ${line.daysSupply} days; an instalment covers at most ${policy.instalmentMaxDays}`, {
        details: { drugCode: line.drugCode, daysSupply: line.daysSupply, maxDays: policy.instalmentMaxDays },
      });
    const previous = [...s.dispenses]
      .reverse()
      .filter((x) => !x.reversal)
      .flatMap((x) => x.lines.filter((l) => l.drugCode === line.drugCode).map((l) => ({ at: x.dispensedAt, days: l.daysSupply })))[0];
    if (!previous) continue;
    const earliest = earliestNextInstalmentDay(previous.at, previous.days, policy.earlyRefillToleranceDays);
    if (today < earliest)
      throw new InstalmentTooEarly(`the next instalment of ${line.drugCode} may be dispensed from ${chinaDateOfDayNumber(earliest)}`, {
        details: { drugCode: line.drugCode, earliestDate: chinaDateOfDayNumber(earliest) },
      });
  }
}

// ---- reversal ----

function reverse(cmd: ReverseDispense, s: KnownDispensation, now: Date): DispensationEvent[] {
  const d = cmd.data;
  const original = s.dispenses.find((x) => x.dispenseId === d.dispenseId);
  if (!original) throw new DispenseNotFound(`dispense ${d.dispenseId} is not on this prescription`);
  if (original.reversal) {
    if (original.reversal.reversalId === d.reversalId) return []; // the same refund retried
    throw new DispenseAlreadyReversed(`dispense ${d.dispenseId} was already reversed`, { details: { reversalId: original.reversal.reversalId } });
  }
  if (original.pharmacyId !== d.pharmacyId) throw new NotDispensedByPharmacy(`dispense ${d.dispenseId} was made by another pharmacy`);
  if (typeof d.reversalId !== 'string' || d.reversalId.trim() === '' || d.reversalId.length > DISPENSE_BOUNDS.maxIdLength)
    throw new ReversalReasonInvalid('reversalId must be a non-empty id', { field: 'reversalId' });
  if (textProblem(d.reason, TextLimits.reason))
    throw new ReversalReasonInvalid(`a reversal needs a reason of at most ${DISPENSE_BOUNDS.maxReasonLength} characters`, { field: 'reason' });
  return [
    {
      type: 'DispenseReversed',
      data: {
        reversalId: d.reversalId,
        dispenseId: d.dispenseId,
        prescriptionId: s.rx.prescriptionId,
        pharmacyId: d.pharmacyId,
        pharmacistId: d.pharmacistId,
        reason: d.reason.trim(),
        reversedAt: now.toISOString(),
        lines: original.lines.map((l) => ({ drugCode: l.drugCode, quantity: l.quantity })),
      },
    },
  ];
}

// ---- revocation and expiry (D8) ----

function applyRevocation(cmd: ApplyRevocation, s: KnownDispensation, now: Date): DispensationEvent[] {
  const source = cmd.data.sourceEventId;
  if (s.revocation?.sourceEventIds.includes(source)) return []; // redelivered
  if (s.revocation?.lastOutcome === 'WITHDRAWN') return []; // answered for good already
  switch (s.status) {
    case 'withdrawn':
      return [];
    case 'expired':
      return [answered(s, source, 'WITHDRAWN', now)];
    case 'completed':
      return [answered(s, source, 'DECLINED', now)];
    case 'circulating':
      return [withdrawn(s, 'REVOKED', now), answered(s, source, 'WITHDRAWN', now)];
    case 'claimed': {
      const live = isLive(s.claim, now);
      if (s.claim.cancellationPending && live) return []; // still pending: the holder has not returned it
      if (!live) return [released(s, s.claim.pharmacyId, 'EXPIRED', now), withdrawn(s, 'REVOKED', now), answered(s, source, 'WITHDRAWN', now)];
      if (nothingDispensed(s))
        return [
          { type: 'CancellationMarked', data: { prescriptionId: s.rx.prescriptionId, pharmacyId: s.claim.pharmacyId, sourceEventId: source, markedAt: now.toISOString() } },
          answered(s, source, 'CANCELLATION_PENDING', now),
        ];
      return [released(s, s.claim.pharmacyId, 'CANCELLED', now), withdrawn(s, 'REVOKED', now), answered(s, source, 'WITHDRAWN', now)];
    }
    default:
      return exhaustive(s, 'dispensation status');
  }
}

function applyExpiry(_cmd: ApplyPrescriptionExpired, s: KnownDispensation, now: Date): DispensationEvent[] {
  switch (s.status) {
    case 'completed':
    case 'withdrawn':
    case 'expired':
      return [];
    case 'circulating':
      return [withdrawn(s, 'EXPIRED', now)];
    case 'claimed': {
      const events: DispensationEvent[] = [released(s, s.claim.pharmacyId, 'EXPIRED', now), withdrawn(s, 'EXPIRED', now)];
      const pending = s.claim.cancellationPending;
      if (pending) events.push(answered(s, pending.sourceEventId, 'WITHDRAWN', now));
      return events;
    }
    default:
      return exhaustive(s, 'dispensation status');
  }
}

// ---- shared checks and event builders ----

function known(s: Dispensation): KnownDispensation {
  if (s.status === 'unknown') throw new UnknownPrescription('no such prescription in circulation');
  return s;
}

function refuseClosed(s: KnownDispensation): void {
  switch (s.status) {
    case 'withdrawn':
      throw new PrescriptionRevoked('the prescription has been revoked');
    case 'expired':
      throw new PrescriptionExpired('the prescription has expired');
    case 'completed':
      throw new PrescriptionFullyDispensed('the prescription has been fully dispensed');
    case 'circulating':
    case 'claimed':
      return;
    default:
      return exhaustive(s, 'dispensation status');
  }
}

function refuseOutsideValidity(s: KnownDispensation, now: Date): void {
  if (now.getTime() >= Date.parse(s.rx.validUntil)) throw new PrescriptionExpired(`the prescription was valid until ${s.rx.validUntil}`);
}

function requireHolder(s: KnownDispensation, pharmacyId: string, now: Date, dispensing: boolean): Claimed {
  if (s.status === 'claimed' && s.claim.pharmacyId === pharmacyId) {
    if (s.claim.cancellationPending) throw new CancellationPending('the prescriber has revoked this prescription; release it');
    if (isLive(s.claim, now)) return s;
  }
  if (dispensing && s.status === 'circulating' && s.lastClaim?.pharmacyId === pharmacyId && s.lastClaim.reason === 'REJECTED')
    throw new ReviewRejected('the pharmacist rejected this prescription', { details: { reasons: s.lastClaim.rejectionReasons ?? [] } });
  throw new NotClaimedByPharmacy(`pharmacy ${pharmacyId} does not hold the prescription`);
}

function remaining(s: KnownDispensation, drugCode: string): number {
  const item = s.items.find((i) => i.drugCode === drugCode);
  return item ? remainingOf(item) : 0;
}

function released(s: KnownDispensation, pharmacyId: string, reason: ClaimReleaseReason, now: Date): ClaimReleased {
  return { type: 'ClaimReleased', data: { prescriptionId: s.rx.prescriptionId, pharmacyId, reason, releasedAt: now.toISOString() } };
}

function withdrawn(s: KnownDispensation, reason: WithdrawalReason, now: Date): PrescriptionWithdrawn {
  return { type: 'PrescriptionWithdrawn', data: { prescriptionId: s.rx.prescriptionId, reason, dispensed: dispensedQuantities(s), withdrawnAt: now.toISOString() } };
}

function answered(s: KnownDispensation, sourceEventId: string, outcome: RevocationOutcome, now: Date): RevocationAnswered {
  return {
    type: 'RevocationAnswered',
    data: { prescriptionId: s.rx.prescriptionId, sourceEventId, outcome, dispensed: dispensedQuantities(s), answeredAt: now.toISOString() },
  };
}

// ---- evolve ----

export function evolveDispensation(s: Dispensation, e: DispensationEvent): Dispensation {
  if (e.type === 'PrescriptionRegistered') {
    if (s.status !== 'unknown') return s;
    const { sourceEventId: _source, ...rx } = e.data;
    return { status: 'circulating', rx, items: rx.items.map(newItemRecord), dispenses: [], pickup: { byPharmacy: {} } };
  }
  if (s.status === 'unknown') return s;
  const base = { rx: s.rx, items: s.items, dispenses: s.dispenses, pickup: s.pickup, revocation: s.revocation };
  switch (e.type) {
    case 'PickupAttemptFailed': {
      const record = s.pickup.byPharmacy[e.data.pharmacyId] ?? { failures: [] };
      const failures = [...record.failures, e.data.failedAt].slice(-MAX_TRACKED_PICKUP_FAILURES);
      return { ...s, pickup: { byPharmacy: { ...s.pickup.byPharmacy, [e.data.pharmacyId]: { ...record, failures } } } };
    }
    case 'PickupLocked':
      if (!e.data.pharmacyId) return s;
      // a lock starts a fresh count
      return { ...s, pickup: { byPharmacy: { ...s.pickup.byPharmacy, [e.data.pharmacyId]: { failures: [], lockedUntil: e.data.lockedUntil } } } };
    case 'PrescriptionClaimed': {
      const claim: Claim = { pharmacyId: e.data.pharmacyId, pharmacistId: e.data.pharmacistId, claimedAt: e.data.claimedAt, expiresAt: e.data.expiresAt };
      // The claiming pharmacy presented the right code: its count starts afresh; other pharmacies' stand.
      const { [e.data.pharmacyId]: _cleared, ...others } = s.pickup.byPharmacy;
      return { ...base, pickup: { byPharmacy: others }, status: 'claimed', claim };
    }
    case 'ClaimReleased': {
      if (s.status !== 'claimed') return s;
      const rejection = s.claim.rejection;
      return {
        ...base,
        status: 'circulating',
        lastClaim: { pharmacyId: e.data.pharmacyId, reason: e.data.reason, endedAt: e.data.releasedAt, ...(rejection ? { rejectionReasons: rejection.reasons } : {}) },
      };
    }
    case 'PrescriptionReviewed': {
      if (s.status !== 'claimed') return s;
      const review = { pharmacistId: e.data.pharmacistId, reviewedAt: e.data.reviewedAt };
      return e.data.decision === 'APPROVED'
        ? { ...s, claim: { ...s.claim, approval: review } }
        : { ...s, claim: { ...s.claim, approval: undefined, rejection: { ...review, reasons: e.data.reasons } } };
    }
    case 'PrescriptionDispensed': {
      const items = addDispensed(s.items, e.data.lines, +1);
      const dispenses = [
        ...s.dispenses,
        {
          dispenseId: e.data.dispenseId,
          instalment: e.data.instalment,
          pharmacyId: e.data.pharmacyId,
          pharmacistId: e.data.pharmacistId,
          dispensedAt: e.data.dispensedAt,
          lines: e.data.lines.map((l) => ({ lineNo: l.lineNo, drugCode: l.drugCode, quantity: l.quantity, traceCodes: l.traceCodes, daysSupply: l.daysSupply })),
        },
      ];
      if (fullyDispensed(items)) return { ...base, items, dispenses, status: 'completed' };
      return { ...s, items, dispenses };
    }
    case 'DispenseReversed': {
      const items = addDispensed(s.items, e.data.lines, -1);
      const dispenses = s.dispenses.map((x) =>
        x.dispenseId === e.data.dispenseId ? { ...x, reversal: { reversalId: e.data.reversalId, reversedAt: e.data.reversedAt, reason: e.data.reason } } : x,
      );
      // A refund puts the quantity back: a completed prescription circulates again (until its validity ends).
      if (s.status === 'completed') return { ...base, items, dispenses, status: 'circulating' };
      return { ...s, items, dispenses };
    }
    case 'CancellationMarked':
      if (s.status !== 'claimed') return s;
      return { ...s, claim: { ...s.claim, cancellationPending: { sourceEventId: e.data.sourceEventId, markedAt: e.data.markedAt } } };
    case 'PrescriptionWithdrawn':
      return e.data.reason === 'REVOKED'
        ? { ...base, status: 'withdrawn', withdrawnAt: e.data.withdrawnAt }
        : { ...base, status: 'expired', expiredAt: e.data.withdrawnAt };
    case 'RevocationAnswered':
      return {
        ...s,
        revocation: { sourceEventIds: [...(s.revocation?.sourceEventIds ?? []), e.data.sourceEventId], lastOutcome: e.data.outcome },
      };
    default:
      return exhaustive(e, 'dispensation event');
  }
}

function addDispensed(items: readonly ItemRecord[], lines: readonly { drugCode: string; quantity: number }[], sign: 1 | -1): ItemRecord[] {
  return items.map((i) => {
    const line = lines.find((l) => l.drugCode === i.drugCode);
    if (!line) return i;
    const dispensed = i.dispensed + sign * line.quantity;
    return { ...i, dispensed, status: itemStatusOf(i.prescribed, dispensed) };
  });
}

export function dispensationDecider(policy: DispensingPolicy): Decider<DispensationCommand, DispensationEvent, Dispensation> {
  assertDispensingPolicy(policy);
  return {
    initialState: initialDispensation,
    decide: (command, state, now) => decideDispensation(command, state, now, policy),
    evolve: evolveDispensation,
  };
}
