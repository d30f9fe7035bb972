import type { AlertRuleId, AttemptRefusedV1, DispensedV1, DispenseReversedV1, FundPaymentRecordedV1, FundPaymentReversedV1 } from '@rx/contracts';
import { DispensingEventTypes, PrescribingEventTypes, SettlementEventTypes } from '@rx/contracts';
import type { EventStore, RecordedEvent, Subscription } from '@rx/event-store';
import { chinaDate } from '@rx/kernel';
import { toAuditFact, type AuditFact, type AuditFactData } from '../../domain/audit-fact';
import { ALERT_RAISED, ALERT_STREAM_PREFIX, AUDIT_STREAM_PREFIX, isPharmacyAuditStream, prescriptionIdOfAuditStream } from '../../domain/audit-streams';
import { appendAlert } from '../alert-writer';
import { PrescriptionIndex } from '../prescription-index';
import {
  drugNotIndicatedRule,
  isTraceCodeReuse,
  personalAccountCashOutRule,
  threeFixedAttemptRule,
  threeFixedParty,
  traceCodeReuseRule,
  dissolvedAgreementRule,
  overdueSettlementClaimRule,
  priceAboveReferenceRule,
  alertId,
  judgeUnusualVolumeDay,
  newDayBook,
  recordDispense,
  stockpilingRule,
  type PharmacyDayBook,
  type Alert,
  type MonitoringParams,
} from '../../domain/rules';

export const MONITORING_CHECKPOINT = 'audit-monitoring';
const PREFIXES = [AUDIT_STREAM_PREFIX, ALERT_STREAM_PREFIX];
const CHECKPOINT_EVERY = 200;
/**
 * When caught up, the checkpoint is saved at most this often. Under load the projection catches up
 * after nearly every event, and a write per catch-up cost three commits per lifecycle; a crash
 * only re-judges this window, and alerts raised twice append nothing.
 */
const IDLE_CHECKPOINT_MS = 250;

export interface AlertView extends Alert {
  /** When the alert was raised (the alert event's time), as opposed to `occurredAt` (its cause). */
  raisedAt: string;
}

export interface AlertFilter {
  rule?: AlertRuleId;
  pharmacyId?: string;
  patientId?: string;
  prescriptionId?: string;
}

export interface RebuildReport {
  events: number;
  durationMs: number;
  eventsPerSecond: number;
  alerts: number;
  alertsRaised: number;
}

export interface MonitoringSnapshot {
  alerts: AlertView[];
  supplyByPatient: Record<string, { dispenseId: string; prescriptionId: string; drugCodes: string[]; dispensedAt: string; daysSupply: number; reversed: boolean }[]>;
  dailyVolumeByPharmacy: Record<string, Record<string, number>>;
  claims: Record<string, string[]>;
  dissolutions: Record<string, string[]>;
}

export interface MonitoringProjectionOptions {
  store: EventStore;
  params: MonitoringParams;
  /** The injected clock (raise time of alerts, overdue sweeps). */
  now: () => Date;
  checkpointName?: string;
  onError?: (error: unknown) => void;
}

/**
 * The audit context's read models (alerts; per-patient supply; per-pharmacy activity, volume,
 * dissolutions and claims), fed by its own subscription to the audit streams, and the rule engine
 * that raises alerts from them.
 *
 * The models live in memory and are always rebuilt from position zero at start (a rule needs the
 * whole history of a patient or pharmacy). The durable checkpoint marks how far alerts have been
 * raised: facts up to it only rebuild state, facts after it are also judged by the rules. Alerts
 * are events in their own streams (`alert-{alertId}`, id derived from the cause), so raising one
 * twice, after a crash or a rebuild, appends nothing.
 */
export class MonitoringProjection {
  private readonly store: EventStore;
  private readonly params: MonitoringParams;
  private readonly now: () => Date;
  private readonly checkpointName: string;
  private subscription?: Subscription;
  private position: bigint | undefined;
  private raisedUpTo: bigint = 0n;
  private sinceCheckpoint = 0;
  private lastIdleSave = -Infinity;
  private idleSaveTimer?: NodeJS.Timeout;
  private handled = 0;
  private raisedCount = 0;
  private failure: unknown;

  private alerts = new Map<string, AlertView>();
  private dispenses = new Map<string, AuditFact>();
  private reversals = new Map<string, AuditFact>();
  private byPatient = new Map<string, AuditFact[]>();
  /** Per pharmacy: prescription claims, dispenses and settlement claims (for the dissolution and volume rules). */
  private activityByPharmacy = new Map<string, AuditFact[]>();
  /** Per pharmacy: dispenses by China day, kept as they arrive so the volume rule judges one day in O(lookback). */
  private volume = new Map<string, PharmacyDayBook>();
  private dissolutions = new Map<string, AuditFact[]>();
  private claims = new Map<string, AuditFact[]>();
  /** Refused attempts by the party they are counted against (pharmacy; institution or physician). */
  private attempts = new Map<string, AuditFact[]>();
  /** Fund payments and their reversals by account holder and pharmacy (cash-out rule). */
  private accountPayments = new Map<string, AuditFact[]>();
  private paymentKey = new Map<string, string>();
  /** The auditor's finder (by id, patient, pharmacy), fed by the same subscription. */
  readonly prescriptions = new PrescriptionIndex();

  constructor(private readonly options: MonitoringProjectionOptions) {
    this.store = options.store;
    this.params = options.params;
    this.now = options.now;
    this.checkpointName = options.checkpointName ?? MONITORING_CHECKPOINT;
  }

  async start(): Promise<void> {
    if (this.subscription) return;
    this.raisedUpTo = (await this.store.loadCheckpoint(this.checkpointName)) ?? 0n;
    await this.preloadAlerts();
    this.subscribe();
  }

  async stop(): Promise<void> {
    clearTimeout(this.idleSaveTimer);
    this.idleSaveTimer = undefined;
    const s = this.subscription;
    this.subscription = undefined;
    await s?.stop();
    await this.saveCheckpoint();
  }

  /** Drops every read model and the checkpoint, replays from position zero; alerts already stored are not raised again. */
  async rebuild(timeoutMs = 600_000): Promise<RebuildReport> {
    await this.stop();
    this.reset();
    await this.store.saveCheckpoint(this.checkpointName, 0n);
    const started = Date.now();
    const raisedBefore = this.raisedCount;
    this.raisedUpTo = 0n;
    await this.preloadAlerts();
    this.subscribe();
    await this.whenCaughtUp(timeoutMs);
    await this.saveCheckpoint();
    const durationMs = Math.max(1, Date.now() - started);
    return { events: this.handled, durationMs, eventsPerSecond: Math.round((this.handled * 1000) / durationMs), alerts: this.alerts.size, alertsRaised: this.raisedCount - raisedBefore };
  }

  /** Resolves once everything in the audit and alert streams has been handled (read-your-writes for queries). */
  async whenCaughtUp(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.failure) throw this.failure instanceof Error ? this.failure : new Error(String(this.failure));
      const pending = await this.store.readAll({ after: this.position, streamPrefixes: PREFIXES, maxCount: 1 });
      if (pending.length === 0) return;
      if (!this.subscription) throw new Error('the monitoring projection is not running');
      if (Date.now() > deadline) throw new Error('the monitoring projection did not catch up in time');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** The time-driven rules (overdue settlement claims) at `now`; returns the alerts newly raised. */
  async sweep(now: Date = this.now()): Promise<Alert[]> {
    const facts = [...this.claims.values()].flat();
    return this.raise(overdueSettlementClaimRule(facts, this.params.overdueClaim, now));
  }

  listAlerts(filter: AlertFilter = {}): AlertView[] {
    return [...this.alerts.values()]
      .filter(
        (a) =>
          (!filter.rule || a.ruleId === filter.rule) &&
          (!filter.pharmacyId || a.pharmacyId === filter.pharmacyId) &&
          (!filter.patientId || a.patientId === filter.patientId) &&
          (!filter.prescriptionId || a.prescriptionId === filter.prescriptionId),
      )
      .sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || (a.alertId < b.alertId ? -1 : 1));
  }

  /** Every read model, in a canonical order (compare before and after a rebuild). */
  snapshot(): MonitoringSnapshot {
    const supplyByPatient: MonitoringSnapshot['supplyByPatient'] = {};
    for (const [patientId, facts] of [...this.byPatient.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      supplyByPatient[patientId] = facts
        .filter((f) => f.type === DispensingEventTypes.dispensed)
        .map((f) => {
          const d = f.data as DispensedV1;
          return { dispenseId: d.dispenseId, prescriptionId: d.prescriptionId, drugCodes: d.lines.map((l) => l.drugCode), dispensedAt: d.dispensedAt, daysSupply: d.daysSupply, reversed: this.reversals.has(d.dispenseId) };
        })
        .sort((a, b) => Date.parse(a.dispensedAt) - Date.parse(b.dispensedAt) || (a.dispenseId < b.dispenseId ? -1 : 1));
    }
    const dailyVolumeByPharmacy: MonitoringSnapshot['dailyVolumeByPharmacy'] = {};
    for (const [pharmacyId, facts] of [...this.activityByPharmacy.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const days: Record<string, number> = {};
      for (const f of facts) if (f.type === DispensingEventTypes.dispensed) days[chinaDate((f.data as DispensedV1).dispensedAt)] = (days[chinaDate((f.data as DispensedV1).dispensedAt)] ?? 0) + 1;
      dailyVolumeByPharmacy[pharmacyId] = Object.fromEntries(Object.entries(days).sort(([a], [b]) => (a < b ? -1 : 1)));
    }
    const ids = (m: Map<string, AuditFact[]>) => Object.fromEntries([...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, v.map((f) => f.sourceEventId).sort()]));
    return { alerts: this.listAlerts(), supplyByPatient, dailyVolumeByPharmacy, claims: ids(this.claims), dissolutions: ids(this.dissolutions) };
  }

  get status(): { running: boolean; position: string | null; raisedUpTo: string; alerts: number } {
    return { running: this.subscription !== undefined, position: this.position?.toString() ?? null, raisedUpTo: this.raisedUpTo.toString(), alerts: this.alerts.size };
  }

  private reset(): void {
    this.position = undefined;
    this.handled = 0;
    this.sinceCheckpoint = 0;
    this.failure = undefined;
    this.alerts = new Map();
    this.dispenses = new Map();
    this.reversals = new Map();
    this.byPatient = new Map();
    this.activityByPharmacy = new Map();
    this.volume = new Map();
    this.dissolutions = new Map();
    this.claims = new Map();
    this.attempts = new Map();
    this.accountPayments = new Map();
    this.paymentKey = new Map();
    this.prescriptions.clear();
  }

  /** Alerts first, so replaying facts does not try to raise what is already stored. */
  private async preloadAlerts(): Promise<void> {
    let after: bigint | undefined;
    for (;;) {
      const page = await this.store.readAll({ after, streamPrefixes: [ALERT_STREAM_PREFIX], eventTypes: [ALERT_RAISED], maxCount: 1000 });
      for (const e of page) this.applyAlert(e);
      if (page.length < 1000) return;
      after = page[page.length - 1].position;
    }
  }

  private subscribe(): void {
    this.subscription = this.store.subscribe({
      after: undefined,
      streamPrefixes: PREFIXES,
      handler: (e) => this.onEvent(e),
      onCaughtUp: () => this.saveWhenIdle(),
      onError: (error) => {
        this.failure = error;
        this.subscription = undefined;
        this.options.onError?.(error);
      },
    });
  }

  private async onEvent(e: RecordedEvent): Promise<void> {
    this.handled++;
    if (e.streamId.startsWith(ALERT_STREAM_PREFIX)) {
      if (e.type === ALERT_RAISED) this.applyAlert(e);
    } else {
      const fact = toAuditFact(e.type, e.data as AuditFactData);
      const prescriptionId = prescriptionIdOfAuditStream(e.streamId);
      if (prescriptionId !== undefined) this.prescriptions.apply(prescriptionId, fact);
      // Claims are copied to every prescription they name; the pharmacy's copy is the one counted.
      const isClaim = fact.type.startsWith('rx.settlement.claim-');
      if (!isClaim || isPharmacyAuditStream(e.streamId)) {
        const judge = this.index(fact);
        if (e.position > this.raisedUpTo) await this.raise(judge());
      }
    }
    this.position = e.position;
    if (e.position > this.raisedUpTo) this.raisedUpTo = e.position;
    if (++this.sinceCheckpoint >= CHECKPOINT_EVERY) await this.saveCheckpoint();
  }

  private applyAlert(e: RecordedEvent): void {
    const alert = e.data as Alert;
    if (!this.alerts.has(alert.alertId)) this.alerts.set(alert.alertId, { ...alert, raisedAt: e.metadata.occurredAt });
  }

  /** Updates the read models with a fact; returns the rules' judgement of it (run only past the checkpoint). */
  private index(f: AuditFact): () => Alert[] {
    const p = this.params;
    switch (f.type) {
      case DispensingEventTypes.dispensed: {
        const d = f.data as DispensedV1;
        if (this.dispenses.has(d.dispenseId)) return () => [];
        this.dispenses.set(d.dispenseId, f);
        push(this.byPatient, d.patientId, f);
        // A reversal that arrived first (another topic) still cancels this supply.
        const earlyReversal = this.reversals.get(d.dispenseId);
        if (earlyReversal) push(this.byPatient, d.patientId, earlyReversal);
        push(this.activityByPharmacy, d.pharmacyId, f);
        const book = this.volume.get(d.pharmacyId) ?? newDayBook();
        this.volume.set(d.pharmacyId, book);
        const day = recordDispense(book, d, f.sourceEventId);
        return () => {
          const drugs = new Set(d.lines.map((l) => l.drugCode));
          // All of the patient's supply of these drugs: a dispense that arrives late is judged, and
          // so are later ones it now overlaps (already raised alerts are skipped by id).
          const patientFacts = (this.byPatient.get(d.patientId) ?? []).filter((x) => sameDrugs(x, drugs, this.dispenses));
          // One alert per pharmacy and day: once raised, that day needs no judging again.
          const volumeAlert = day && !this.alerts.has(alertId('unusual-volume', d.pharmacyId, day)) ? judgeUnusualVolumeDay(d.pharmacyId, book, day, p.unusualVolume) : undefined;
          return [
            ...priceAboveReferenceRule([f], p.priceAboveReference),
            ...stockpilingRule(patientFacts, p.stockpiling),
            ...(volumeAlert ? [volumeAlert] : []),
            ...dissolvedAgreementRule([...(this.dissolutions.get(d.pharmacyId) ?? []), f]),
          ];
        };
      }
      case DispensingEventTypes.dispenseReversed: {
        const r = f.data as DispenseReversedV1;
        this.reversals.set(r.dispenseId, f);
        const original = this.dispenses.get(r.dispenseId);
        if (original) push(this.byPatient, (original.data as DispensedV1).patientId, f);
        return () => [];
      }
      case DispensingEventTypes.prescriptionClaimed:
      case SettlementEventTypes.claimSubmitted: {
        const pharmacyId = (f.data as { pharmacyId: string }).pharmacyId;
        push(this.activityByPharmacy, pharmacyId, f);
        if (f.type === SettlementEventTypes.claimSubmitted) push(this.claims, (f.data as { claimId: string }).claimId, f);
        return () => dissolvedAgreementRule([...(this.dissolutions.get(pharmacyId) ?? []), f]);
      }
      case SettlementEventTypes.claimApproved:
        push(this.claims, (f.data as { claimId: string }).claimId, f);
        return () => [];
      case SettlementEventTypes.claimPaid: {
        const claimId = (f.data as { claimId: string }).claimId;
        push(this.claims, claimId, f);
        // Judged at the payment time: a late payment is flagged even if no sweep ran in between.
        return () => overdueSettlementClaimRule(this.claims.get(claimId) ?? [], p.overdueClaim, new Date(f.time));
      }
      case SettlementEventTypes.agreementDissolved: {
        const pharmacyId = (f.data as { pharmacyId: string }).pharmacyId;
        push(this.dissolutions, pharmacyId, f);
        return () => dissolvedAgreementRule([...(this.dissolutions.get(pharmacyId) ?? []), ...(this.activityByPharmacy.get(pharmacyId) ?? [])]);
      }
      case PrescribingEventTypes.prescriptionIssued:
        return () => drugNotIndicatedRule([f], p.drugNotIndicated);
      case DispensingEventTypes.attemptRefused:
      case PrescribingEventTypes.issueRefused: {
        const party = isTraceCodeReuse(f) ? `TRACE:${(f.data as AttemptRefusedV1).pharmacyId}` : threeFixedParty(f);
        if (!party) return () => [];
        push(this.attempts, party, f);
        const facts = this.attempts.get(party) ?? [];
        return () => (isTraceCodeReuse(f) ? traceCodeReuseRule(facts, p.traceCodeReuse) : threeFixedAttemptRule(facts, p.threeFixedAttempt));
      }
      case SettlementEventTypes.fundPaymentRecorded: {
        const d = f.data as FundPaymentRecordedV1;
        const key = `${d.personalAccountHolderId ?? d.patientId}\u0000${d.pharmacyId}`;
        this.paymentKey.set(d.dispenseId, key);
        push(this.accountPayments, key, f);
        return () => personalAccountCashOutRule(this.accountPayments.get(key) ?? [], p.cashOut);
      }
      case SettlementEventTypes.fundPaymentReversed: {
        const key = this.paymentKey.get((f.data as FundPaymentReversedV1).dispenseId);
        if (key) push(this.accountPayments, key, f);
        return () => [];
      }
      default:
        return () => [];
    }
  }

  private async raise(alerts: Alert[]): Promise<Alert[]> {
    const raised: Alert[] = [];
    for (const alert of alerts) {
      if (this.alerts.has(alert.alertId)) continue;
      const raisedAt = this.now().toISOString();
      const written = await appendAlert(this.store, alert, raisedAt);
      this.alerts.set(alert.alertId, { ...alert, raisedAt });
      if (written) {
        this.raisedCount++;
        raised.push(alert);
      }
    }
    return raised;
  }

  private saveWhenIdle(): void {
    if (this.idleSaveTimer) return;
    const save = (): void => {
      this.idleSaveTimer = undefined;
      if (!this.subscription) return;
      this.lastIdleSave = performance.now();
      this.saveCheckpoint().catch((e: unknown) => this.options.onError?.(e));
    };
    const wait = this.lastIdleSave + IDLE_CHECKPOINT_MS - performance.now();
    if (wait <= 0) return save();
    this.idleSaveTimer = setTimeout(save, wait);
    this.idleSaveTimer.unref();
  }

  private async saveCheckpoint(): Promise<void> {
    this.sinceCheckpoint = 0;
    if (this.raisedUpTo > 0n) await this.store.saveCheckpoint(this.checkpointName, this.raisedUpTo);
  }
}

function push(map: Map<string, AuditFact[]>, key: string, f: AuditFact): void {
  const list = map.get(key);
  if (list) list.push(f);
  else map.set(key, [f]);
}

/** A patient's dispenses (and their reversals) of any of these drugs. */
function sameDrugs(x: AuditFact, drugs: Set<string>, dispenses: Map<string, AuditFact>): boolean {
  const d = (x.type === DispensingEventTypes.dispensed ? x.data : dispenses.get((x.data as DispenseReversedV1).dispenseId)?.data) as DispensedV1 | undefined;
  return d !== undefined && d.lines.some((l) => drugs.has(l.drugCode));
}

