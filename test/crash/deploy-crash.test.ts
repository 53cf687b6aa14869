/** Crash at every write of deploy, on the simulator (see `simulated-crash-suite.ts`). */
import { describeCrashAtEveryWrite } from './simulated-crash-suite.js';

describeCrashAtEveryWrite('deploy');
