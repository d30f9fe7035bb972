import type { Type } from '@nestjs/common';
import { AuditModule } from '@rx/audit';
import { DispensingModule } from '@rx/dispensing';
import { PrescribingModule } from '@rx/prescribing';
import { SettlementModule } from '@rx/settlement';

/** The context modules the embedded platform runs, in one process. */
export const PLATFORM_CONTEXTS: Type[] = [PrescribingModule, DispensingModule, SettlementModule, AuditModule];
