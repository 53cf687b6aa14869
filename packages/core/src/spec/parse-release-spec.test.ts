import { describe, expect, it } from 'vitest';
import { SpecError } from '../errors.js';
import { parseReleaseSpec, parseReleaseSpecOrThrow } from './parse-release-spec.js';

const HEADER = 'apiVersion: switchyard.dev/v1alpha1\nkind: ReleaseSpec\nservice: reviews\n';

/** A spec file: the required header, then `body`. */
const file = (body: string): string => HEADER + body;

describe('parseReleaseSpec', () => {
  it('accepts the minimal file and returns what it says', () => {
    expect(parseReleaseSpec(HEADER)).toEqual({
      value: { apiVersion: 'switchyard.dev/v1alpha1', kind: 'ReleaseSpec', service: 'reviews' },
      errors: [],
    });
  });

  it.each([
    {
      name: 'malformed YAML',
      text: file('strategy:\n  steps: [ { weight: 10 }\n'),
      path: '',
      message: 'malformed YAML at line 6, column 1: deficient indentation',
    },
    {
      name: 'duplicated key',
      text: file('namespace: a\nnamespace: b\n'),
      path: '',
      message: 'malformed YAML at line 5, column 1: duplicated mapping key',
    },
    {
      name: 'empty file',
      text: '# nothing here\n',
      path: '',
      message: 'the file is empty; a spec needs at least apiVersion, kind and service',
    },
    {
      name: 'several documents',
      text: `${HEADER}---\n${HEADER}`,
      path: '',
      message:
        'expected one YAML document, found several (separated by "---"); keep one spec per file',
    },
    {
      name: 'a list instead of a mapping',
      text: '- service: reviews\n',
      path: '',
      message:
        'the document must be a mapping of fields (apiVersion, kind, service, ...), got a list',
    },
    {
      name: 'a scalar document',
      text: 'reviews\n',
      path: '',
      message:
        'the document must be a mapping of fields (apiVersion, kind, service, ...), got a string ("reviews")',
    },
    {
      name: 'missing apiVersion',
      text: 'kind: ReleaseSpec\nservice: reviews\n',
      path: 'apiVersion',
      message: 'required in a spec file: add "apiVersion: switchyard.dev/v1alpha1"',
    },
    {
      name: 'newer apiVersion',
      text: 'apiVersion: switchyard.dev/v1beta1\nkind: ReleaseSpec\nservice: reviews\n',
      path: 'apiVersion',
      message:
        '"switchyard.dev/v1beta1" is newer than this switchyard understands (it reads switchyard.dev/v1alpha1); upgrade switchyard to use this file',
    },
    {
      name: 'foreign apiVersion',
      text: 'apiVersion: apps/v1\nkind: ReleaseSpec\nservice: reviews\n',
      path: 'apiVersion',
      message: 'must be "switchyard.dev/v1alpha1", got "apps/v1"',
    },
    {
      name: 'wrong kind',
      text: 'apiVersion: switchyard.dev/v1alpha1\nkind: Deployment\nservice: reviews\n',
      path: 'kind',
      message: 'must be "ReleaseSpec", got "Deployment"',
    },
    {
      name: 'missing service',
      text: 'apiVersion: switchyard.dev/v1alpha1\nkind: ReleaseSpec\n',
      path: 'service',
      message: 'required',
    },
    {
      name: 'invalid service name',
      text: 'apiVersion: switchyard.dev/v1alpha1\nkind: ReleaseSpec\nservice: Reviews\n',
      path: 'service',
      message:
        '"Reviews" is not a valid Service name: lowercase letters, digits and "-", starting with a letter and ending with a letter or digit, at most 63 characters (did you mean "reviews"?)',
    },
    {
      name: 'unknown field, with a suggestion',
      text: file('strategy:\n  stepz: [{ weight: 100 }]\n'),
      path: 'strategy.stepz',
      message: 'unknown field "stepz" (did you mean "steps"?)',
    },
    {
      name: 'unknown field, nothing close',
      text: file('colour: blue\n'),
      path: 'colour',
      message: 'unknown field "colour"',
    },
    {
      name: 'key with no value',
      text: file('target:\n'),
      path: 'target',
      message: 'has no value; give a mapping of fields or remove the key',
    },
    {
      name: 'enum typo',
      text: file('strategy:\n  type: blugreen\n'),
      path: 'strategy.type',
      message:
        'must be one of "canary", "bluegreen", "custom", got "blugreen" (did you mean "bluegreen"?)',
    },
    {
      name: 'weight above 100',
      text: file('strategy:\n  steps:\n    - weight: 10\n    - bake: 1m\n    - weight: 150\n'),
      path: 'strategy.steps[2].weight',
      message: 'must be 1..100',
    },
    {
      name: 'fractional weight',
      text: file('strategy:\n  steps: [{ weight: 12.5 }, { weight: 100 }]\n'),
      path: 'strategy.steps[0].weight',
      message: 'must be a whole number 1..100',
    },
    {
      name: 'weights not increasing',
      text: file(
        'strategy:\n  steps: [{ weight: 50 }, { bake: 1m }, { weight: 20 }, { weight: 100 }]\n',
      ),
      path: 'strategy.steps[2].weight',
      message:
        'must be greater than the previous weight step (strategy.steps[0].weight is 50): weights only increase',
    },
    {
      name: 'last weight is not 100',
      text: file(
        'strategy:\n  steps: [{ weight: 10 }, { bake: 1m }, { weight: 50 }, { bake: 1m }]\n',
      ),
      path: 'strategy.steps[2].weight',
      message: 'the last weight step must be 100, got 50: the release would never complete',
    },
    {
      name: 'no weight step at all',
      text: file('strategy:\n  steps: [{ mirror: 20 }, { bake: 1m }, { pause: true }]\n'),
      path: 'strategy.steps',
      message: 'needs at least one weight step, and the last weight step must be 100',
    },
    {
      name: 'two kinds in one step',
      text: file('strategy:\n  steps: [{ weight: 100, bake: 1m }]\n'),
      path: 'strategy.steps[0]',
      message: 'give only one of weight, bake, pause, mirror (found weight and bake)',
    },
    {
      name: 'mirror after the switch',
      text: file('strategy:\n  steps: [{ weight: 100 }, { mirror: 10 }]\n'),
      path: 'strategy.steps[1].mirror',
      message:
        'comes after the last weight step, when the candidate already takes all traffic: move it before',
    },
    {
      name: 'custom without steps',
      text: file('strategy:\n  type: custom\n'),
      path: 'strategy.steps',
      message: 'required when strategy.type is custom',
    },
    {
      name: 'mirror outside bluegreen',
      text: file('strategy:\n  type: canary\n  mirror: 10\n'),
      path: 'strategy.mirror',
      message:
        'applies to the bluegreen preset only (strategy.type is "canary"); add a mirror step to explicit steps instead',
    },
    {
      name: 'bake with explicit steps',
      text: file('strategy:\n  bake: 2m\n  steps: [{ weight: 100 }]\n'),
      path: 'strategy.bake',
      message: 'applies to preset steps only; with explicit steps, add bake steps',
    },
    {
      name: 'bake shorter than the check interval',
      text: file('strategy:\n  steps: [{ weight: 100 }, { bake: 5s }]\n'),
      path: 'strategy.steps[1].bake',
      message: '5s is shorter than checks.interval (10s): no check would run during it',
    },
    {
      name: 'duration without unit',
      text: file('strategy:\n  bake: 30\n'),
      path: 'strategy.bake',
      message: 'must be a duration with a unit, like "30s" or "30ms" (a bare number has no unit)',
    },
    {
      name: 'duration with decimals',
      text: file('deploy:\n  rolloutTimeout: 1.5m\n'),
      path: 'deploy.rolloutTimeout',
      message: '"1.5m" is not a duration: use whole numbers, like "1m30s"',
    },
    {
      name: 'zero duration',
      text: file('sync:\n  timeout: 0s\n'),
      path: 'sync.timeout',
      message: 'must be longer than 0s',
    },
    {
      name: 'unknown template variable',
      text: file(
        'checks:\n  items:\n    - { type: success-rate }\n    - { type: latency-p99 }\n    - { type: success-rate-vs-stable }\n' +
          '    - { name: errors, query: \'sum(rate(x{d="{{workload}}",p="{{pod}}"}[{{window}}]))\', max: 5 }\n',
      ),
      path: 'checks.items[3].query',
      message:
        'unknown template variable "{{pod}}"; known: {{service}}, {{namespace}}, {{workload}}, {{stableWorkload}}, {{slot}}, {{candidate}}, {{stable}}, {{window}}',
    },
    {
      name: 'custom check without bounds',
      text: file("checks:\n  items:\n    - { name: errors, query: 'sum(x)' }\n"),
      path: 'checks.items[0]',
      message: 'a custom check needs min and/or max',
    },
    {
      name: 'threshold that does not belong to the type',
      text: file('checks:\n  items:\n    - { type: latency-p99, min: 100 }\n'),
      path: 'checks.items[0].min',
      message: 'not a setting of latency-p99; its threshold is max',
    },
    {
      name: 'success rate above 100',
      text: file('checks:\n  items:\n    - { type: success-rate, min: 101 }\n'),
      path: 'checks.items[0].min',
      message: 'must be 0..100',
    },
    {
      name: 'duplicate check names',
      text: file(
        'checks:\n  items:\n    - { type: success-rate }\n    - { type: success-rate, min: 95 }\n',
      ),
      path: 'checks.items[1].name',
      message:
        'duplicate check name "success-rate" (also checks.items[0]); give each check its own name',
    },
    {
      name: 'alpha of 1',
      text: file('checks:\n  analysis: sequential\n  alpha: 1\n'),
      path: 'checks.alpha',
      message: 'must be strictly between 0 and 1, got 1',
    },
    {
      name: 'margin not above tolerance',
      text: file('checks:\n  tolerance: 2\n'),
      path: 'checks.tolerance',
      message:
        'checks.margin (2) must be above checks.tolerance (2): a canary promoted early must be shown better than one rolled back',
    },
    {
      name: 'sequential custom check',
      text: file(
        "checks:\n  items:\n    - { name: errors, query: 'sum(x)', max: 1, analysis: sequential }\n",
      ),
      path: 'checks.items[0].analysis',
      message:
        "a custom check is a threshold check: a query's value is not a count of requests the sequential tests can weigh; use a built-in type",
    },
    {
      name: 'tolerance on a threshold comparison',
      text: file('checks:\n  items:\n    - { type: success-rate-vs-stable, tolerance: 2 }\n'),
      path: 'checks.items[0].tolerance',
      message:
        'a setting of sequential analysis; set analysis: sequential (on the check or on checks) or remove it',
    },
    {
      name: 'tolerance on an absolute check',
      text: file(
        'checks:\n  analysis: sequential\n  items:\n    - { type: success-rate, tolerance: 2 }\n',
      ),
      path: 'checks.items[0].tolerance',
      message:
        'only comparisons with the stable slot (success-rate-vs-stable, latency-vs-stable) take tolerance',
    },
    {
      name: 'maxDegradation in sequential analysis',
      text: file(
        'checks:\n  analysis: sequential\n  items:\n    - { type: success-rate-vs-stable, maxDegradation: 1 }\n',
      ),
      path: 'checks.items[0].maxDegradation',
      message:
        'a threshold setting; in sequential analysis a comparison takes tolerance and margin (ratios of the rates)',
    },
    {
      name: 'a success rate of 100 in sequential analysis',
      text: file(
        'checks:\n  analysis: sequential\n  items:\n    - { type: success-rate, min: 100 }\n',
      ),
      path: 'checks.items[0].min',
      message:
        'in sequential analysis the objective is at most 0% failed requests, which no test can show or refute: use a min strictly between 0 and 100',
    },
    {
      name: 'slowerThan on the wrong check',
      text: file(
        'checks:\n  analysis: sequential\n  items:\n    - { type: success-rate-vs-stable, slowerThan: 100 }\n',
      ),
      path: 'checks.items[0].slowerThan',
      message:
        "only latency-vs-stable takes slowerThan; success-rate-vs-stable's threshold is maxDegradation",
    },
    {
      name: 'inline password',
      text: file(
        'prometheus:\n  basicAuth:\n    username: me\n    passwordFile: /secrets/p\n    password: hunter2\n',
      ),
      path: 'prometheus.basicAuth.password',
      message:
        'unknown field "password": credentials are never inline in the spec; use passwordFile (a file path) or passwordEnv (an environment variable name)',
    },
    {
      name: 'inline bearer token',
      text: file('prometheus:\n  bearerToken: abc\n'),
      path: 'prometheus.bearerToken',
      message:
        'unknown field "bearerToken": credentials are never inline in the spec; use bearerTokenFile (a file path) or bearerTokenEnv (an environment variable name)',
    },
    {
      name: 'credentials in the URL',
      text: file('prometheus:\n  url: https://me:hunter2@prometheus.example\n'),
      path: 'prometheus.url',
      message:
        'credentials are never inline in the spec: remove "user:password@" from the URL and use basicAuth with passwordFile or passwordEnv',
    },
    {
      name: 'credential header',
      text: file('prometheus:\n  headers:\n    Authorization: Bearer abc\n'),
      path: 'prometheus.headers.Authorization',
      message:
        'credentials are never inline in the spec; use bearerTokenFile, bearerTokenEnv or basicAuth',
    },
    {
      name: 'secret value where an env var name belongs',
      text: file('prometheus:\n  bearerTokenEnv: "abc def"\n'),
      path: 'prometheus.bearerTokenEnv',
      message:
        'is not an environment variable name (letters, digits and "_", not starting with a digit); give the variable\'s name, not its value (which is not shown here)',
    },
    {
      name: 'both url and service',
      text: file(
        'prometheus:\n  url: http://prometheus:9090\n  service: istio-system/prometheus:9090\n',
      ),
      path: 'prometheus',
      message: 'give either url or service, not both',
    },
    {
      name: 'service in the wrong format',
      text: file('prometheus:\n  service: prometheus.istio-system:9090\n'),
      path: 'prometheus.service',
      message:
        '"prometheus.istio-system:9090" must have the form namespace/name:port, like "istio-system/prometheus:9090"',
    },
    {
      name: 'window too short',
      text: file('checks:\n  window: 20s\n'),
      path: 'checks.window',
      message:
        '20s is shorter than two Prometheus scrapes (2 × checks.scrapeInterval = 30s); rate() needs two samples in the window',
    },
    {
      name: 'scrape interval too long for the default window',
      text: file('checks:\n  scrapeInterval: 45s\n'),
      path: 'checks.scrapeInterval',
      message:
        '45s leaves fewer than two scrapes in the default window (1m); set checks.window to at least 1m30s',
    },
    {
      name: 'interval longer than the window',
      text: file('checks:\n  interval: 2m\n  window: 1m\nstrategy:\n  bake: 5m\n'),
      path: 'checks.interval',
      message:
        '2m is longer than checks.window (1m): evaluations would skip the data between windows',
    },
    {
      name: 'required ratio of zero',
      text: file('sync:\n  requiredRatio: 0\n'),
      path: 'sync.requiredRatio',
      message: 'must be > 0 and <= 1',
    },
    {
      name: 'invalid label selector',
      text: file('sync:\n  scope:\n    selector: "app in (a,b"\n'),
      path: 'sync.scope.selector',
      message: '"app in (a,b" has unbalanced parentheses',
    },
    {
      name: 'istiod token without url',
      text: file('sync:\n  istiod:\n    tokenFile: /var/run/token\n'),
      path: 'sync.istiod.tokenFile',
      message:
        'only used with sync.istiod.url; a port-forward authenticates with your kube credentials',
    },
    {
      name: 'a route listed twice',
      text: file('target:\n  routes: [primary, api, primary]\n'),
      path: 'target.routes[2]',
      message: '"primary" is listed twice',
    },
    {
      name: 'slots sharing a Deployment',
      text: file('target:\n  slots:\n    green: { deployment: reviews-blue }\n'),
      path: 'target.slots.green.deployment',
      message:
        'must differ from target.slots.blue.deployment (both are "reviews-blue"): the two slots need their own Deployments',
    },
    {
      name: 'slots sharing a subset',
      text: file('target:\n  slots:\n    blue: { subset: v1 }\n    green: { subset: v1 }\n'),
      path: 'target.slots.green.subset',
      message:
        'must differ from target.slots.blue.subset (both are "v1"): the two slots need their own DestinationRule subsets',
    },
    {
      name: 'uppercase header name',
      text: file('deploy:\n  preRelease:\n    headers: [{ name: X-Release, exact: candidate }]\n'),
      path: 'deploy.preRelease.headers[0].name',
      message:
        '"X-Release" must be lowercase (Istio matches header names lowercased): use "x-release"',
    },
    {
      name: 'header condition without a value',
      text: file('deploy:\n  preRelease:\n    headers: [{ name: x-release }]\n'),
      path: 'deploy.preRelease.headers[0]',
      message: 'needs one of exact, prefix or regex',
    },
    {
      name: 'header regex that does not compile',
      text: file('deploy:\n  preRelease:\n    headers: [{ name: x-release, regex: "can(d" }]\n'),
      path: 'deploy.preRelease.headers[0].regex',
      message: 'does not compile: Invalid regular expression: /can(d/: Unterminated group',
    },
    {
      name: 'header regex RE2 cannot run',
      text: file(
        'deploy:\n  preRelease:\n    headers: [{ name: x-release, regex: "(?!stable).*" }]\n',
      ),
      path: 'deploy.preRelease.headers[0].regex',
      message:
        'uses lookaround or backreferences, which Envoy’s RE2 regular expressions do not support',
    },
    {
      name: 'lease duration in milliseconds',
      text: file('lock:\n  leaseDuration: 1500ms\n'),
      path: 'lock.leaseDuration',
      message: 'must be whole seconds (a Lease counts in seconds)',
    },
  ])('reports $name', ({ text, path, message }) => {
    expect(parseReleaseSpec(text)).toEqual({ errors: [{ path, message }] });
  });

  it('reports every problem at once, in document order', () => {
    const text = file(
      [
        'strategy:',
        '  stepz: 1',
        '  steps: [{ weight: 10 }, { weight: 150 }]',
        'checks:',
        '  window: 20s',
        'prometheus:',
        '  url: http://prometheus:9090',
        '  service: istio-system/prometheus:9090',
        '  basicAuth: { username: me, password: hunter2, passwordEnv: PROM_PASSWORD }',
        '',
      ].join('\n'),
    );
    expect(parseReleaseSpec(text).errors).toEqual([
      { path: 'strategy.stepz', message: 'unknown field "stepz" (did you mean "steps"?)' },
      { path: 'strategy.steps[1].weight', message: 'must be 1..100' },
      {
        path: 'checks.window',
        message:
          '20s is shorter than two Prometheus scrapes (2 × checks.scrapeInterval = 30s); rate() needs two samples in the window',
      },
      { path: 'prometheus', message: 'give either url or service, not both' },
      {
        path: 'prometheus.basicAuth.password',
        message:
          'unknown field "password": credentials are never inline in the spec; use passwordFile (a file path) or passwordEnv (an environment variable name)',
      },
    ]);
  });

  it('keeps YAML 1.1 booleans as strings, so `yes` is not silently true', () => {
    expect(parseReleaseSpec(file('strategy:\n  scaleDownOld: yes\n')).errors).toEqual([
      { path: 'strategy.scaleDownOld', message: 'must be true or false, got "yes"' },
    ]);
  });
});

describe('parseReleaseSpecOrThrow', () => {
  it('returns the spec when valid', () => {
    expect(parseReleaseSpecOrThrow(file('namespace: bookinfo\n')).namespace).toBe('bookinfo');
  });

  it('throws a SpecError naming the file and every problem', () => {
    const error = (() => {
      try {
        parseReleaseSpecOrThrow(file('namespace: Bookinfo\nonResume: retry\n'), {
          file: 'release.yaml',
        });
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SpecError);
    const specError = error as SpecError;
    expect(specError.code).toBe('SWITCHYARD_INVALID_SPEC');
    expect(specError.file).toBe('release.yaml');
    expect(specError.issues.map((issue) => issue.path)).toEqual(['namespace', 'onResume']);
    expect(specError.message).toBe(
      'invalid release spec in release.yaml:\n' +
        'namespace: "Bookinfo" is not a valid Kubernetes name: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters (did you mean "bookinfo"?)\n' +
        'onResume: must be one of "continue", "rollback", got "retry"',
    );
  });
});
