import { describe, expect, it } from 'vitest';
import {
  formatLabelSelector,
  labelsMatch,
  LabelSelectorError,
  matchesLabels,
  parseLabelSelector,
  requirementsOf,
  selectorMatches,
  selectsEverything,
} from './label-selector.js';

const labels = { app: 'reviews', version: 'v2', tier: 'backend', replicas: '3' };

function matches(selector: string): boolean {
  return matchesLabels(parseLabelSelector(selector), labels);
}

describe('parseLabelSelector / matchesLabels', () => {
  it.each([
    ['', true],
    ['app=reviews', true],
    ['app==reviews', true],
    ['app=ratings', false],
    ['app!=ratings', true],
    ['app!=reviews', false],
    ['missing!=x', true],
    ['version in (v1,v2)', true],
    ['version in (v1, v3)', false],
    ['version notin (v1,v3)', true],
    ['version notin (v2)', false],
    ['missing notin (a)', true],
    ['tier', true],
    ['missing', false],
    ['!missing', true],
    ['!tier', false],
    ['replicas>2', true],
    ['replicas<3', false],
    ['app=reviews,version in (v2),!canary', true],
    ['app=reviews, version=v1', false],
  ])('%s → %s', (selector, expected) => {
    expect(matches(selector)).toBe(expected);
  });

  it('treats an object without labels as having none', () => {
    expect(matchesLabels(parseLabelSelector('!app'), undefined)).toBe(true);
    expect(matchesLabels(parseLabelSelector('app'), undefined)).toBe(false);
    expect(matchesLabels(parseLabelSelector('app!=x'), undefined)).toBe(true);
  });

  it.each(['app in (a', 'app in ()', '=x', 'app=(', 'app in a', 'app=x y', 'a/b/c=d', 'app=-bad-'])(
    'rejects %s',
    (selector) => {
      expect(() => parseLabelSelector(selector)).toThrow(LabelSelectorError);
    },
  );
});

describe('requirementsOf / formatLabelSelector', () => {
  it('renders matchLabels and matchExpressions sorted by key, as kubectl shows selectors', () => {
    const requirements = requirementsOf({
      matchLabels: { version: 'v2', app: 'reviews' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['front', 'back'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'zone', operator: 'NotIn', values: ['b'] },
        { key: 'env', operator: 'Exists' },
      ],
    });
    expect(formatLabelSelector(requirements)).toBe(
      'app=reviews,!canary,env,tier in (back,front),version=v2,zone notin (b)',
    );
  });

  it('produces requirements that select what the selector selects', () => {
    const requirements = requirementsOf({
      matchLabels: { app: 'reviews' },
      matchExpressions: [{ key: 'version', operator: 'In', values: ['v1', 'v2'] }],
    });
    expect(matchesLabels(requirements, labels)).toBe(true);
    expect(matchesLabels(requirements, { app: 'reviews', version: 'v3' })).toBe(false);
  });
});

describe('selectorMatches / labelsMatch: a metav1.LabelSelector and a Service selector', () => {
  const pod = { app: 'reviews', version: 'blue' };

  it('selects nothing when absent, everything when empty', () => {
    expect(selectorMatches(undefined, pod)).toBe(false);
    expect(selectorMatches({}, pod)).toBe(true);
    expect(selectorMatches({}, undefined)).toBe(true);
    expect(selectsEverything({})).toBe(true);
    expect(selectsEverything(undefined)).toBe(false);
    expect(selectsEverything({ matchLabels: { app: 'reviews' } })).toBe(false);
  });

  it('requires every matchLabels pair and every expression; NotIn selects objects without the label', () => {
    const selector = {
      matchLabels: { app: 'reviews' },
      matchExpressions: [
        { key: 'version', operator: 'In', values: ['blue', 'green'] },
        { key: 'canary', operator: 'NotIn', values: ['true'] },
        { key: 'tier', operator: 'DoesNotExist' },
      ],
    };
    expect(selectorMatches(selector, pod)).toBe(true);
    expect(selectorMatches(selector, { ...pod, canary: 'true' })).toBe(false);
    expect(selectorMatches(selector, { ...pod, tier: 'web' })).toBe(false);
    expect(selectorMatches(selector, { ...pod, version: 'red' })).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, pod)).toBe(
      true,
    );
  });

  it('selects nothing with an operator Kubernetes does not know', () => {
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Like' }] }, pod)).toBe(
      false,
    );
  });

  it('selects with a Service selector only pods carrying every pair', () => {
    expect(labelsMatch({ app: 'reviews' }, pod)).toBe(true);
    expect(labelsMatch({ app: 'reviews', version: 'green' }, pod)).toBe(false);
    expect(labelsMatch({ app: 'reviews' }, undefined)).toBe(false);
  });
});
