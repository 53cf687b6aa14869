/** Crash at every write of rollback of a release paused at 50 %, on the simulator (see `simulated-crash-suite.ts`). */
import { describeCrashAtEveryWrite } from './simulated-crash-suite.js';

describeCrashAtEveryWrite('rollback');
