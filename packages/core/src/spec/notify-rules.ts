/**
 * Cross-field rules of `notify:`: where each webhook's URL and token come from, and what a
 * URL may be. No message repeats a URL: a webhook URL can be the credential itself.
 */
import { isFields, listOf, onlyOne, type Fields, type IssueList } from './unvalidated-spec.js';

const URL_SOURCES = ['url', 'urlEnv', 'urlFile'] as const;

/**
 * Why `value` is not a usable webhook URL, or undefined when it is. The message never
 * contains the value: a webhook URL may be a secret.
 */
export function notifyUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL (like "https://hooks.example.com/switchyard"); the value is not shown, as a webhook URL may be a secret';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `must be an http or https URL, got ${url.protocol.slice(0, -1)}`;
  }
  if (url.username !== '' || url.password !== '') {
    return 'must not carry "user:password@"; give a bearer token with tokenEnv or tokenFile';
  }
  return undefined;
}

/** Every webhook: one URL source, at most one token source, a usable inline URL. */
export function checkNotify(spec: Fields, out: IssueList): void {
  listOf(spec.notify).forEach((target, index) => {
    // Not a mapping: the schema said so.
    if (!isFields(target)) return;
    const path = ['notify', index];
    const sources = onlyOne(out, path, target, URL_SOURCES);
    if (sources.length === 0) out.add(path, `needs one of ${URL_SOURCES.join(', ')}`);
    onlyOne(out, path, target, ['tokenEnv', 'tokenFile']);
    if (typeof target.url === 'string' && target.url !== '') {
      const problem = notifyUrlProblem(target.url);
      if (problem) out.add([...path, 'url'], problem);
    }
    const events = listOf(target.events);
    const repeated = events.find((event, at) => events.indexOf(event) !== at);
    if (typeof repeated === 'string') {
      out.add([...path, 'events'], `lists "${repeated}" more than once`);
    }
  });
}
