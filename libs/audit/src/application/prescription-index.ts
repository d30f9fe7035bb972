import { PrescribingEventTypes, type PrescriptionIssuedV1 } from '@rx/contracts';
import type { AuditFact } from '../domain/audit-fact';

/** One line of the auditor's search: who, where, when, and what happened last. */
export interface PrescriptionCard {
  prescriptionId: string;
  patientId: string | null;
  institutionId: string | null;
  physicianId: string | null;
  issuedAt: string | null;
  longTerm: boolean | null;
  /** Pharmacies that claimed, reviewed, dispensed or refunded it, in first-seen order. */
  pharmacyIds: string[];
  facts: number;
  lastFactType: string;
  lastFactAt: string;
}

export interface PrescriptionSearch {
  prescriptionId?: string;
  patientId?: string;
  pharmacyId?: string;
  limit?: number;
}

/**
 * The auditor's finder: prescriptions by id, patient or pharmacy, fed with the facts of the
 * prescriptions' audit streams (the monitoring projection's subscription), so it is rebuilt from
 * position zero with the other read models. A fact that arrives before the issue (topics are not
 * ordered across contexts) still lists the prescription; the issue fills in who and when.
 */
export class PrescriptionIndex {
  private cards = new Map<string, PrescriptionCard>();
  private byPatient = new Map<string, Set<string>>();
  private byPharmacy = new Map<string, Set<string>>();

  clear(): void {
    this.cards = new Map();
    this.byPatient = new Map();
    this.byPharmacy = new Map();
  }

  apply(prescriptionId: string, fact: AuditFact): void {
    const card = this.cards.get(prescriptionId) ?? this.newCard(prescriptionId, fact);
    this.cards.set(prescriptionId, card);
    card.facts++;
    if (Date.parse(fact.time) >= Date.parse(card.lastFactAt)) {
      card.lastFactAt = fact.time;
      card.lastFactType = fact.type;
    }
    const data = (fact.data ?? {}) as Record<string, unknown>;
    if (fact.type === PrescribingEventTypes.prescriptionIssued) {
      const issued = data as unknown as PrescriptionIssuedV1;
      card.patientId = issued.patientId;
      card.institutionId = issued.institutionId;
      card.physicianId = issued.physicianId;
      card.issuedAt = issued.issuedAt;
      card.longTerm = issued.longTerm;
      add(this.byPatient, issued.patientId, prescriptionId);
    } else if (typeof data.patientId === 'string' && card.patientId === null) {
      add(this.byPatient, data.patientId, prescriptionId);
    }
    // Settlement claims name a pharmacy too, but are copied to many prescriptions: only the
    // dispensing context's facts say a pharmacy handled this prescription.
    if (fact.context === 'dispensing' && typeof data.pharmacyId === 'string') {
      if (!card.pharmacyIds.includes(data.pharmacyId)) card.pharmacyIds.push(data.pharmacyId);
      add(this.byPharmacy, data.pharmacyId, prescriptionId);
    }
  }

  /** Every criterion given must hold; newest issue first (unknown issue times last), at most `limit`. */
  search(q: PrescriptionSearch): { prescriptions: PrescriptionCard[]; count: number; truncated: boolean } {
    let ids: Iterable<string>;
    if (q.prescriptionId) ids = this.cards.has(q.prescriptionId) ? [q.prescriptionId] : [];
    else if (q.patientId) ids = this.byPatient.get(q.patientId) ?? [];
    else if (q.pharmacyId) ids = this.byPharmacy.get(q.pharmacyId) ?? [];
    else ids = this.cards.keys();
    const found = [...ids]
      .map((id) => this.cards.get(id)!)
      .filter((c) => (!q.patientId || c.patientId === q.patientId) && (!q.pharmacyId || c.pharmacyIds.includes(q.pharmacyId)))
      .sort((a, b) => (b.issuedAt ?? '').localeCompare(a.issuedAt ?? '') || b.lastFactAt.localeCompare(a.lastFactAt) || (a.prescriptionId < b.prescriptionId ? -1 : 1));
    const limit = q.limit ?? 100;
    return { prescriptions: found.slice(0, limit).map((c) => ({ ...c, pharmacyIds: [...c.pharmacyIds] })), count: found.length, truncated: found.length > limit };
  }

  private newCard(prescriptionId: string, fact: AuditFact): PrescriptionCard {
    return { prescriptionId, patientId: null, institutionId: null, physicianId: null, issuedAt: null, longTerm: null, pharmacyIds: [], facts: 0, lastFactType: fact.type, lastFactAt: fact.time };
  }
}

function add(index: Map<string, Set<string>>, key: string, id: string): void {
  const set = index.get(key) ?? new Set<string>();
  set.add(id);
  index.set(key, set);
}
