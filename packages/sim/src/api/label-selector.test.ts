import { describe, expect, it } from 'vitest';
import {
  formatLabelSelector,
  LabelSelectorError,
  matchesLabels,
  parseLabelSelector,
  requirementsOf,
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
