/** Crash at every write of a blue/green release (mirror, then the switch), on the simulator (see `simulated-crash-suite.ts`). */
import { describeCrashAtEveryWrite } from './simulated-crash-suite.js';

describeCrashAtEveryWrite('bluegreen');
