import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

const src = (pkg: string): string =>
  fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

// Tests run against the TypeScript sources of the workspace packages, so a change is
// tested without a rebuild. CLI tests spawn the built binary instead (see test/README.md).
const alias = {
  '@switchyard/core/errors': fileURLToPath(
    new URL('./packages/core/src/errors.ts', import.meta.url),
  ),
  '@switchyard/core/preflight-check-ids': fileURLToPath(
    new URL('./packages/core/src/preflight/check-ids.ts', import.meta.url),
  ),
  '@switchyard/core/spec-fields': fileURLToPath(
    new URL('./packages/core/src/spec-fields.ts', import.meta.url),
  ),
  // Not published: the internals the suites under test/ drive (packages/core/src/internal-testing.ts).
  '@switchyard/core/internal-testing': fileURLToPath(
    new URL('./packages/core/src/internal-testing.ts', import.meta.url),
  ),
  '@switchyard/core': src('core'),
  '@switchyard/sim': src('sim'),
  '@switchyard/cli': src('cli'),
  '@switchyard/test-utils': src('test-utils'),
};

export default defineConfig({
  resolve: { alias },
  test: {
    // The default output, then one line per project: how many scenarios ran on which tier.
    reporters: ['default', './test/scenarios/scenario-count-reporter.ts'],
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts'],
          testTimeout: 20_000,
          // Unit tests are independent and side-effect free: share module instances between
          // files instead of re-importing them, and use both cores.
          isolate: false,
          maxWorkers: 2,
          // Projects with different worker limits must run in separate groups.
          sequence: { groupOrder: 0 },
        },
      },
      {
        resolve: { alias },
        test: {
          // Slow suites: a simulator, often a real Prometheus, and real time. The scenarios
          // in test/scenarios run here on the simulator.
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          // The conformance tier needs its real test bed (global setup): it runs apart.
          exclude: [...configDefaults.exclude, 'test/conformance/**'],
          provide: { clusterTier: 'simulator' },
          testTimeout: 120_000,
          hookTimeout: 60_000,
          // Two cores: more workers only make timing-sensitive suites flaky.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        resolve: { alias },
        test: {
          // The real control plane tier (`npm run test:conformance`): one test bed for the
          // whole run, started by the global setup; files take turns on it, each scenario
          // file of test/scenarios in a namespace of its own.
          name: 'conformance',
          include: ['test/conformance/**/*.test.ts', 'test/scenarios/**/*.test.ts'],
          // Ambient mode needs a test bed with Istio's ambient profile: a project of its own.
          exclude: [...configDefaults.exclude, 'test/conformance/ambient/**'],
          globalSetup: ['test/conformance/global-setup.ts'],
          provide: { clusterTier: 'real' },
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
      {
        resolve: { alias },
        test: {
          // The same tier on a test bed started with `--profile=ambient` (istiod as the
          // ambient profile starts it, the fleet enrolling pods and playing waypoints).
          // `npm run test:conformance` runs it after the `conformance` project, on its own
          // test bed, so the two never run at once.
          name: 'conformance-ambient',
          include: ['test/conformance/ambient/**/*.test.ts'],
          globalSetup: ['test/conformance/global-setup.ts'],
          provide: { clusterTier: 'real' },
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          sequence: { groupOrder: 3 },
        },
      },
    ],
  },
});
