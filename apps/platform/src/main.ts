import { bootstrap } from '@rx/runtime';
import { PLATFORM_CONTEXTS } from './platform.contexts';

// The embedded default: every context in one process, one HTTP port, SQLite, in-process bus.
void bootstrap('platform', PLATFORM_CONTEXTS, { console: true });
