import { describe, expect, it } from 'vitest';
import { labelSelectorProblem } from './label-selector.js';

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
