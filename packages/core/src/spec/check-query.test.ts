import { describe, expect, it } from 'vitest';
import { SpecError } from '../errors.js';
import {
  checkTemplateProblems,
  checkTemplateVariables,
  renderCheckQuery,
  type CheckQueryVariables,
} from './check-query.js';
import { BUILTIN_CHECK_TYPES, CANDIDATE_REQUEST_COUNT_QUERY } from './check-types.js';

const variables: CheckQueryVariables = {
  service: 'reviews',
  namespace: 'bookinfo',
  workload: 'reviews-green',
  stableWorkload: 'reviews-blue',
  slot: 'green',
  candidate:
    'reporter="destination",destination_workload_namespace="bookinfo",destination_workload="reviews-green"',
  stable:
    'reporter="destination",destination_workload_namespace="bookinfo",destination_workload="reviews-blue"',
  window: '1m30s',
};

describe('renderCheckQuery', () => {
  it('substitutes every variable, with or without spaces inside the braces', () => {
    expect(
      renderCheckQuery(
        '{{service}}|{{ namespace }}|{{workload}}|{{stableWorkload}}|{{slot}}|{{window}}|{{workload}}',
        variables,
      ),
    ).toBe('reviews|bookinfo|reviews-green|reviews-blue|green|1m30s|reviews-green');
  });

  it('renders the window in canonical form, from a string or milliseconds', () => {
    expect(renderCheckQuery('[{{window}}]', { ...variables, window: '90s' })).toBe('[1m30s]');
    expect(renderCheckQuery('[{{window}}]', { ...variables, window: 120_000 })).toBe('[2m]');
  });

  it('renders the built-in queries to PromQL without placeholders', () => {
    const rendered = renderCheckQuery(BUILTIN_CHECK_TYPES[0]?.query ?? '', variables);
    const successful =
      'istio_requests_total{reporter="destination",destination_workload_namespace="bookinfo",destination_workload="reviews-green",response_code!~"5.*",grpc_response_status!~"[1-9][0-9]*"}';
    const all =
      'istio_requests_total{reporter="destination",destination_workload_namespace="bookinfo",destination_workload="reviews-green"}';
    // Each series counted over the window: a series new in it from zero, an older one by increase().
    expect(rendered).toBe(
      `sum(((${successful} unless last_over_time(${successful}[10m] offset 1m30s)) or increase(${successful}[1m30s])))` +
        ` / sum(((${all} unless last_over_time(${all}[10m] offset 1m30s)) or increase(${all}[1m30s]))) * 100`,
    );
    for (const query of [
      ...BUILTIN_CHECK_TYPES.map((d) => d.query),
      CANDIDATE_REQUEST_COUNT_QUERY,
    ]) {
      expect(checkTemplateProblems(query)).toEqual([]);
      expect(renderCheckQuery(query, variables)).not.toMatch(/[{][{]|[}][}]/);
    }
    expect(checkTemplateVariables(BUILTIN_CHECK_TYPES[2]?.query ?? '')).toEqual([
      'stable',
      'window',
      'candidate',
    ]);
  });

  it("renders the built-ins over an HTTPRoute's slot Services as the callers report them", () => {
    const rendered = renderCheckQuery(CANDIDATE_REQUEST_COUNT_QUERY, {
      ...variables,
      candidate:
        'reporter="source",destination_service_namespace="bookinfo",destination_service_name="reviews-green"',
    });
    const series =
      'istio_requests_total{reporter="source",destination_service_namespace="bookinfo",destination_service_name="reviews-green"}';
    expect(rendered).toBe(
      `sum(((${series} unless last_over_time(${series}[10m] offset 1m30s)) or increase(${series}[1m30s])))`,
    );
  });

  it('renders the built-ins over a waypoint, and over a mixed mesh by a reporter regex', () => {
    const built = BUILTIN_CHECK_TYPES.find((c) => c.type === 'success-rate')?.query ?? '';
    for (const reporter of ['reporter="waypoint"', 'reporter=~"source|waypoint"']) {
      const candidate = `${reporter},destination_service_namespace="bookinfo",destination_service_name="reviews-green"`;
      const rendered = renderCheckQuery(built, { ...variables, candidate });
      expect(rendered).toContain(`istio_requests_total{${candidate},response_code!~"5.*"`);
    }
    // A regex is a matcher only as `=~"..."`: nothing else gets past the quotes.
    expect(() =>
      renderCheckQuery('x{{{candidate}}}', {
        ...variables,
        candidate: 'reporter=~"a"} or x{b=~"c"',
      }),
    ).toThrow('not a list of label="value" matchers');
  });

  it('refuses a selector variable that is not a list of label matchers', () => {
    expect(() =>
      renderCheckQuery('x{{{candidate}}}', { ...variables, candidate: 'a="b"} or vector(1) #' }),
    ).toThrow('variable {{candidate}}: not a list of label="value" matchers');
  });

  it('throws a SpecError naming an unknown variable and the path', () => {
    let error: unknown;
    try {
      renderCheckQuery('sum(x{p="{{pod}}",w="{{workoad}}"})', variables, {
        path: 'checks.items[3].query',
      });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).issues).toEqual([
      {
        path: 'checks.items[3].query',
        message:
          'unknown template variable "{{pod}}"; known: {{service}}, {{namespace}}, {{workload}}, {{stableWorkload}}, {{slot}}, {{candidate}}, {{stable}}, {{window}}',
      },
      {
        path: 'checks.items[3].query',
        message:
          'unknown template variable "{{workoad}}" (did you mean "{{workload}}"?); known: {{service}}, {{namespace}}, {{workload}}, {{stableWorkload}}, {{slot}}, {{candidate}}, {{stable}}, {{window}}',
      },
    ]);
  });

  it('refuses values that could break out of a label matcher', () => {
    expect(() =>
      renderCheckQuery('x{w="{{workload}}"}', { ...variables, workload: 'a"} or vector(1) #' }),
    ).toThrow(
      'variable {{workload}}: "a\\"} or vector(1) #" is not a valid Kubernetes object name',
    );
    expect(() => renderCheckQuery('[{{window}}]', { ...variables, window: '0s' })).toThrow(
      'variable {{window}}: must be longer than 0s',
    );
  });

  it('validates only the variables the template uses', () => {
    expect(renderCheckQuery('x{w="{{workload}}"}', { ...variables, stableWorkload: '' })).toBe(
      'x{w="reviews-green"}',
    );
  });

  it('reports unbalanced braces', () => {
    expect(checkTemplateProblems('x{w="{{workload}"}')).toEqual([
      'unbalanced "{{" or "}}": write variables as {{name}}',
    ]);
  });
});
