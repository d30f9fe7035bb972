import { AuditModule } from '@rx/audit';
import { bootstrap } from '@rx/runtime';

// The auditor's context on its own (distributed mode): it builds its facts from the Kafka topics into its own store.
// It serves the console too: the auditor's pages work against it alone; other roles' pages need a
// reverse proxy sending their paths to their apps (README, distributed mode).
void bootstrap('audit', [AuditModule], { console: true });
