import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { MonitoringParams } from './domain/rules';
import { AuditFactRecorder } from './application/audit-fact.recorder';
import { AuditPlumbing } from './application/audit-plumbing';
import { DeadLetterRecorder } from './application/dead-letter.recorder';
import { AuditQueries } from './application/audit-queries';
import { REFERENCE_DATA, type ReferenceData } from '@rx/reference-data';
import { AUDIT_MONITORING_PARAMS, AUDIT_SWEEP_INTERVAL_MS, monitoringParamsFromEnv, sweepIntervalFromEnv } from './application/monitoring/monitoring-config';
import { MonitoringService } from './application/monitoring/monitoring.service';
import { AuditController } from './http/audit.controller';

const CORE: Provider[] = [AuditFactRecorder, DeadLetterRecorder, AuditPlumbing, MonitoringService, AuditQueries];

/**
 * The auditor's context (issue 6): history replay, state as of, integrity verification, monitoring
 * alerts. Store, bus, clock and auth come from the global RuntimeModule. Rule parameters come from
 * RX_AUDIT_* variables (defaults in the README); `AuditModule.forRoot` sets them in code.
 */
@Module({
  controllers: [AuditController],
  providers: [
    ...CORE,
    { provide: AUDIT_MONITORING_PARAMS, useFactory: (ref: ReferenceData) => withIndications(monitoringParamsFromEnv(process.env), ref), inject: [REFERENCE_DATA] },
    { provide: AUDIT_SWEEP_INTERVAL_MS, useFactory: () => sweepIntervalFromEnv(process.env) },
  ],
  exports: [MonitoringService, AuditFactRecorder],
})
export class AuditModule {
  static forRoot(options: { params?: MonitoringParams; sweepIntervalMs?: number } = {}): DynamicModule {
    return {
      module: AuditModule,
      providers: [
        { provide: AUDIT_MONITORING_PARAMS, useFactory: (ref: ReferenceData) => options.params ?? withIndications(monitoringParamsFromEnv(process.env), ref), inject: [REFERENCE_DATA] },
        { provide: AUDIT_SWEEP_INTERVAL_MS, useFactory: () => options.sweepIntervalMs ?? sweepIntervalFromEnv(process.env) },
      ],
    };
  }
}

/** The drug-not-indicated rule's table is reference data, not an environment variable. */
function withIndications(params: MonitoringParams, ref: ReferenceData): MonitoringParams {
  return ref.indications ? { ...params, drugNotIndicated: { indications: ref.indications } } : params;
}
