/** `notify:` in the spec: validation (never echoing a URL), resolution, and merging. */
import { describe, expect, it } from 'vitest';
import { SpecError } from '../errors.js';
import { NOTIFICATION_EVENTS } from './sections/notify.js';
import { resolveReleaseSpec, resolveReleaseSpecYaml } from './resolve-release-spec.js';
import { validateReleaseSpec } from './validate-release-spec.js';

const options = { defaultNamespace: 'bookinfo' };
const SECRET_URL = 'https://hooks.slack.com/services/T0001/B0002/XXXXsecretXXXX';

function errorsOf(notify: unknown): { path: string; message: string }[] {
  return validateReleaseSpec({ service: 'reviews', notify }).errors;
}

describe('notify: validation', () => {
  it('needs exactly one URL source and at most one token source', () => {
    expect(
      errorsOf([
        { tokenEnv: 'HOOK_TOKEN' },
        { url: 'https://a.example/x', urlEnv: 'HOOK_URL', tokenEnv: 'A', tokenFile: '/t' },
      ]),
    ).toEqual([
      { path: 'notify[0]', message: 'needs one of url, urlEnv, urlFile' },
      {
        path: 'notify[1]',
        message: 'give only one of url, urlEnv, urlFile (found url and urlEnv)',
      },
      {
        path: 'notify[1]',
        message: 'give only one of tokenEnv, tokenFile (found tokenEnv and tokenFile)',
      },
    ]);
  });

  it('checks a written URL without ever repeating it', () => {
    const errors = errorsOf([
      { url: 'hooks.slack.com/services/T0001/B0002/XXXXsecretXXXX' },
      { url: 'ftp://files.example.com/XXXXsecretXXXX' },
      { url: 'https://me:XXXXsecretXXXX@hooks.example.com/x' },
    ]);
    expect(errors).toEqual([
      {
        path: 'notify[0].url',
        message:
          'is not a URL (like "https://hooks.example.com/switchyard"); the value is not shown, as a webhook URL may be a secret',
      },
      { path: 'notify[1].url', message: 'must be an http or https URL, got ftp' },
      {
        path: 'notify[2].url',
        message: 'must not carry "user:password@"; give a bearer token with tokenEnv or tokenFile',
      },
    ]);
    expect(JSON.stringify(errors)).not.toContain('XXXXsecretXXXX');
  });

  it('does not repeat a URL written where a list or a mapping belongs', () => {
    expect(errorsOf(SECRET_URL)).toEqual([
      {
        path: 'notify',
        message:
          'must be a list of webhooks, like "- urlEnv: SLACK_WEBHOOK_URL"; the value is not shown, as a webhook URL may be a secret',
      },
    ]);
    expect(errorsOf([SECRET_URL])).toEqual([
      {
        path: 'notify[0]',
        message:
          'must be a mapping of fields, like "urlEnv: SLACK_WEBHOOK_URL"; the value is not shown, as a webhook URL may be a secret',
      },
    ]);
  });

  it('checks names of variables (without repeating a value written instead), formats and events, and points an inline token to its references', () => {
    const errors = errorsOf([
      {
        urlEnv: SECRET_URL,
        format: 'teams',
        events: ['started', 'rollback', 'started'],
        token: 'abc',
      },
    ]);
    expect(JSON.stringify(errors)).not.toContain('XXXXsecretXXXX');
    expect(errors.map((issue) => `${issue.path}: ${issue.message}`)).toEqual([
      'notify[0].urlEnv: is not an environment variable name (letters, digits and "_", not starting with a digit); give the variable\'s name, not its value (which is not shown here)',
      'notify[0].format: must be one of "json", "slack", got "teams"',
      'notify[0].events: lists "started" more than once',
      'notify[0].events[1]: must be one of "started", "promoted", "step", "paused", "rolled-back", "finished", got "rollback" (did you mean "rolled-back"?)',
      'notify[0].token: unknown field "token": credentials are never inline in the spec; use tokenFile (a file path) or tokenEnv (an environment variable name)',
    ]);
  });
});

describe('notify: resolution', () => {
  it('resolves each webhook to its sources, a label without its URL, and its events', () => {
    const spec = resolveReleaseSpec(
      {
        service: 'reviews',
        notify: [
          { urlEnv: 'SLACK_WEBHOOK_URL', events: ['rolled-back', 'finished'] },
          { url: 'https://hooks.example.com/x?key=1', tokenFile: '/run/token', format: 'slack' },
          { urlFile: '/run/hook-url', tokenEnv: 'HOOK_TOKEN' },
        ],
      },
      {},
      options,
    );
    expect(spec.notify).toEqual([
      {
        label: 'notify[0] (urlEnv SLACK_WEBHOOK_URL)',
        url: { env: 'SLACK_WEBHOOK_URL' },
        token: undefined,
        format: undefined,
        events: ['rolled-back', 'finished'],
      },
      {
        label: 'notify[1] (url on hooks.example.com)',
        url: { value: 'https://hooks.example.com/x?key=1' },
        token: { file: '/run/token' },
        format: 'slack',
        events: NOTIFICATION_EVENTS,
      },
      {
        label: 'notify[2] (urlFile /run/hook-url)',
        url: { file: '/run/hook-url' },
        token: { env: 'HOOK_TOKEN' },
        format: undefined,
        events: NOTIFICATION_EVENTS,
      },
    ]);
  });

  it('adds the overrides’ webhooks (--notify) to the file’s instead of replacing them', () => {
    const yaml = `apiVersion: switchyard.dev/v1alpha1
kind: ReleaseSpec
service: reviews
checks: { items: [] }
notify:
  - urlEnv: SLACK_WEBHOOK_URL
`;
    const spec = resolveReleaseSpecYaml(
      yaml,
      { checks: { items: [{ type: 'success-rate' }] }, notify: [{ url: 'http://127.0.0.1:9/a' }] },
      options,
    );
    expect(spec.notify.map((target) => target.label)).toEqual([
      'notify[0] (urlEnv SLACK_WEBHOOK_URL)',
      'notify[1] (url on 127.0.0.1:9)',
    ]);
    // Other lists still replace the file's.
    expect(spec.checks.items.map((check) => check.name)).toEqual(['success-rate']);
  });

  it('blames a bad --notify URL on the overrides, not the file, and never shows it', () => {
    let error: unknown;
    try {
      resolveReleaseSpecYaml(
        'apiVersion: switchyard.dev/v1alpha1\nkind: ReleaseSpec\nservice: reviews\nnotify: [{ urlEnv: SLACK_WEBHOOK_URL }]\n',
        { notify: [{ url: SECRET_URL.replace('https:', 'gopher:') }] },
        { ...options, file: 'release.yaml' },
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).file).toBeUndefined();
    expect((error as SpecError).issues).toEqual([
      { path: 'notify[1].url', message: 'must be an http or https URL, got gopher' },
    ]);
    expect((error as Error).message).not.toContain('XXXXsecretXXXX');
  });
});
