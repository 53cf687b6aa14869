/**
 * The simulator's public entry: start one (`startSimulator`, what `switchyard sim` and the test
 * harness run), load scenarios, and the types of what a running simulator exposes.
 */
export { peekObject, startSimulator } from './simulator.js';
export type { Simulator, StartSimulatorOptions } from './simulator.js';
export {
  defaultScenarioPath,
  loadScenarioFile,
  loadScenarioObject,
  ScenarioError,
} from './scenario/load-scenario.js';
export type { LoadedScenario, ScenarioIssue } from './scenario/load-scenario.js';
export { scenarioSchema } from './scenario/scenario-schema.js';
export type {
  ApiFault,
  Behaviour,
  ClientSpec,
  Latency,
  ProxyOverride,
  Scenario,
  ScenarioInput,
} from './scenario/scenario-schema.js';
export { loadIstioCrds } from './crd/crd-catalog.js';
export type { KubeObject, ObjectStore } from './store/object-store.js';
export type { ResourceRegistry, ResourceType } from './store/resource-types.js';
export type { IstioControlPlane } from './mesh/istio-control-plane.js';
export type { MeshView, ProxyConfigSnapshot, ProxyType, ProxyView } from './mesh/mesh-types.js';
export type { TrafficGenerator, ClientTrafficStats } from './traffic/traffic-generator.js';
export type { SimulatorControls } from './control/control-server.js';
