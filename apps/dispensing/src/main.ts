import { bootstrap } from '@rx/runtime';
import { DispensingModule } from '@rx/dispensing';

void bootstrap('dispensing', [DispensingModule]);
