import type { Type } from '@nestjs/common';
import { PrescribingModule } from '@rx/prescribing';

/** The context modules the embedded platform runs, in one process. */
export const PLATFORM_CONTEXTS: Type[] = [PrescribingModule];
