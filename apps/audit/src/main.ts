import { AuditModule } from '@rx/audit';
import { bootstrap } from '@rx/runtime';

// The auditor's context on its own (distributed mode): it builds its facts from the Kafka topics into its own store.
void bootstrap('audit', [AuditModule]);
