// `node -r dist/bench/lib/loop-probe-preload.js`: the bench's probe inside the platform (see loop-probe.ts).
import { startProbe } from './loop-probe';

startProbe();
