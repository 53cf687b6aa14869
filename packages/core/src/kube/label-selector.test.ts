import { describe, expect, it } from 'vitest';
import {
  describeLabels,
  labelSelectorProblem,
  labelSelectorText,
  matchesLabels,
  matchesLabelSelector,
  matchesLabelSelectorText,
} from './label-selector.js';

describe('labelSelectorProblem', () => {
  it.each([
    'app=productpage',
    'app==productpage,tier!=db',
    'app.kubernetes.io/name=reviews',
    'env in (prod, staging),!legacy,canary',
    'version notin (v1)',
    'app=',
  ])('accepts %j', (selector) => {
    expect(labelSelectorProblem(selector)).toBeUndefined();
  });

  it.each([
    [
      'app=,=x',
      'invalid label selector: "=x" is not a label requirement (key, !key, key=value, key!=value, key in (a,b), key notin (a,b))',
    ],
    ['app=product page', 'invalid label selector: "product page" is not a valid label value'],
    ['app in (a,b', '"app in (a,b" has unbalanced parentheses'],
    ['app=a,,b=c', 'invalid label selector: has an empty requirement (a stray ",")'],
    ['-app=x', 'invalid label selector: "-app" is not a valid label key'],
  ])('rejects %j', (selector, message) => {
    expect(labelSelectorProblem(selector)).toBe(message);
  });
});

describe('matching', () => {
  const pod = { app: 'reviews', version: 'blue', tier: 'web' };

  it('a map selects when every pair is on the object; an empty one selects everything', () => {
    expect(matchesLabels(pod, { app: 'reviews', version: 'blue' })).toBe(true);
    expect(matchesLabels(pod, { app: 'reviews', version: 'green' })).toBe(false);
    expect(matchesLabels(undefined, { app: 'reviews' })).toBe(false);
    expect(matchesLabels(pod, {})).toBe(true);
    expect(matchesLabels(undefined, undefined)).toBe(true);
  });

  it('a LabelSelector adds set-based requirements', () => {
    const selector = {
      matchLabels: { app: 'reviews' },
      matchExpressions: [
        { key: 'version', operator: 'In', values: ['blue', 'green'] },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    };
    expect(matchesLabelSelector(pod, selector)).toBe(true);
    expect(matchesLabelSelector({ ...pod, legacy: 'yes' }, selector)).toBe(false);
    expect(matchesLabelSelector({ ...pod, version: 'v1' }, selector)).toBe(false);
    expect(
      matchesLabelSelector(pod, { matchExpressions: [{ key: 'app', operator: 'Sometimes' }] }),
    ).toBe(false);
  });

  it.each([
    ['', true],
    ['app=reviews', true],
    ['app==reviews,version=blue', true],
    ['app=ratings', false],
    ['version!=green', true],
    ['track!=canary', true], // != selects objects without the key, as Kubernetes does
    ['version!=blue', false],
    ['version in (blue, green)', true],
    ['version notin (blue)', false],
    ['tier', true],
    ['track', false],
    ['!track', true],
    ['!tier', false],
  ])('the string %j selects the pod: %s', (text, selected) => {
    expect(matchesLabelSelectorText(pod, text)).toBe(selected);
  });

  it('refuses to match with a string that is not a selector', () => {
    expect(() => matchesLabelSelectorText(pod, 'app in (a')).toThrow('unbalanced parentheses');
  });

  it('prints a LabelSelector in the string form, which parses back to the same meaning', () => {
    const selector = {
      matchLabels: { app: 'reviews' },
      matchExpressions: [
        { key: 'version', operator: 'NotIn', values: ['green', 'v1'] },
        { key: 'tier', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    };
    const text = labelSelectorText(selector);
    expect(text).toBe('app=reviews,version notin (green,v1),tier,!legacy');
    for (const labels of [pod, { ...pod, version: 'green' }, { ...pod, legacy: 'x' }, {}])
      expect(matchesLabelSelectorText(labels, text)).toBe(matchesLabelSelector(labels, selector));
  });

  it('describes labels for messages', () => {
    expect(describeLabels({ app: 'reviews', version: 'blue' })).toBe('app=reviews,version=blue');
    expect(describeLabels({})).toBe('(no labels: every pod)');
  });
});
