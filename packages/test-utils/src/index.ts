export { FakeClock } from './fake-clock.js';
export { tableCell, withGeneratedBlock } from './generated-markdown.js';
export { promQuery } from './prom-query.js';
export { waitForServiceRequests } from './prometheus-requests.js';
export type { PromSample } from './prom-query.js';
export { runKubectl } from './run-kubectl.js';
export { waitFor } from './wait-for.js';
export type { WaitForOptions } from './wait-for.js';
export {
  BAD_IMAGE,
  BOOKINFO_MANIFESTS,
  fastScenario,
  GOOD_IMAGE,
  startTestbed,
} from './testbed.js';
export type { Testbed } from './testbed.js';
export {
  bookinfoIn,
  parseUpOutput,
  realNamespace,
  startRealTestbed,
  stopRealTestbed,
} from './real-testbed.js';
export type { RealNamespace, RealTestbed, RealTestbedInfo } from './real-testbed.js';
