/**
 * Prints, at the end of every run, how many end-to-end scenarios (test/scenarios) ran on
 * each tier, and which were not registered there for want of a capability:
 *
 *   scenarios: 52 on the simulator (project e2e); not registered here: 3
 *     - a deploy whose pods never become ready ... (needs podsNeverReady)
 */
import type { Reporter, TestModule } from 'vitest/node';

const TIER_NAMES = { simulator: 'the simulator', real: 'the real test bed' } as const;

export default class ScenarioCountReporter implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[]): void {
    const byProject = new Map<
      string,
      { tier: string; registered: number; passed: number; notRegistered: string[] }
    >();
    for (const module of testModules) {
      if (!module.moduleId.includes('/test/scenarios/')) continue;
      const project = module.project;
      const tier = project.config.provide?.clusterTier;
      const entry = byProject.get(project.name) ?? {
        tier: tier ? TIER_NAMES[tier] : 'an unknown tier',
        registered: 0,
        passed: 0,
        notRegistered: [],
      };
      for (const test of module.children.allTests()) {
        entry.registered += 1;
        if (test.result().state === 'passed') entry.passed += 1;
      }
      for (const name of module.meta().scenariosNotRegistered ?? [])
        entry.notRegistered.push(`${module.relativeModuleId}: ${name}`);
      byProject.set(project.name, entry);
    }
    for (const [project, entry] of byProject) {
      const lines = [
        `scenarios: ${entry.registered} on ${entry.tier} (project ${project}), ${entry.passed} passed; ` +
          `not registered here: ${entry.notRegistered.length}`,
        ...entry.notRegistered.map((name) => `  - ${name}`),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    }
  }
}
