import { bootstrap } from '@rx/runtime';
import { PrescribingModule } from '@rx/prescribing';

void bootstrap('prescribing', [PrescribingModule]);
