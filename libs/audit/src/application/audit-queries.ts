import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@rx/event-store';
import { CLOCK, type Clock } from '@rx/kernel';
import { AuditReader, type PrescriptionHistory, type StateAsOf } from './audit-reader';
import { checkIntegrity, checkIntegrityPage, type IntegrityPage, type IntegrityReport } from './integrity-checker';
import type { PrescriptionCard, PrescriptionSearch } from './prescription-index';
import type { AlertFilter, AlertView, RebuildReport } from './monitoring/monitoring.projection';
import { MonitoringService } from './monitoring/monitoring.service';

/** What the auditors' routes ask; each a thin call into framework-free code. */
@Injectable()
export class AuditQueries {
  private readonly reader: AuditReader;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly monitoring: MonitoringService,
  ) {
    this.reader = new AuditReader(store);
  }

  history(prescriptionId: string): Promise<PrescriptionHistory> {
    return this.reader.history(prescriptionId);
  }

  stateAsOf(prescriptionId: string, asOf: Date): Promise<StateAsOf> {
    return this.reader.stateAsOf(prescriptionId, asOf);
  }

  integrity(): Promise<IntegrityReport> {
    return checkIntegrity(this.store, () => this.clock.now());
  }

  integrityPage(page: { after?: string; limit: number }): Promise<IntegrityPage> {
    return checkIntegrityPage(this.store, page, () => this.clock.now());
  }

  async findPrescriptions(q: PrescriptionSearch): Promise<{ prescriptions: PrescriptionCard[]; count: number; truncated: boolean }> {
    await this.monitoring.projection.whenCaughtUp();
    return this.monitoring.projection.prescriptions.search(q);
  }

  async alerts(filter: AlertFilter): Promise<{ alerts: AlertView[]; count: number }> {
    await this.monitoring.projection.whenCaughtUp();
    const alerts = this.monitoring.projection.listAlerts(filter);
    return { alerts, count: alerts.length };
  }

  rebuild(): Promise<RebuildReport> {
    return this.monitoring.projection.rebuild();
  }
}
