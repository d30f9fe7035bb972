import { bootstrap } from '@rx/runtime';
import { SettlementModule } from '@rx/settlement';

void bootstrap('settlement', [SettlementModule]);
