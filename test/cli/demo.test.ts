/**
 * `switchyard demo`, as the README's Quick start runs it but through a pipe (no TTY, no
 * colour): doctor on a mis-named Service port then on the fixed one, the good release, the
 * bad one rolled back and verified, the closing table, exit 0.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '@switchyard/test-utils';
import { VIRTUAL_SERVICE_CHECKS } from '../scenarios/check-fixtures.js';

describe('switchyard demo', () => {
  it('tells the whole story and exits 0', async () => {
    const result = await runCli(['demo', '--no-color'], { timeoutMs: 170_000 });
    expect(result.code, result.stdout.slice(-3000) + result.stderr).toBe(0);
    const out = result.stdout;
    expect(out).not.toContain('\u001b[');
    // 2. doctor catches the port named tcp, then passes once it is http again.
    const doctorRuns =
      out.match(
        new RegExp(`^doctor bookinfo/reviews: ${VIRTUAL_SERVICE_CHECKS.length} checks, .*$`, 'gm'),
      ) ?? [];
    expect(doctorRuns).toHaveLength(2);
    expect(doctorRuns[0]).toMatch(/ 1 error, /);
    expect(out).toMatch(/^ {2}port-protocol +Service bookinfo\/reviews spec\.ports\[0\]\.name$/m);
    expect(out).toContain('port 9080 ("tcp") resolves to TCP');
    expect(doctorRuns[1]).toMatch(/ 0 errors, /);
    // 4. testers on the candidate, users on stable, measured by Prometheus.
    expect(out).toMatch(/release-tester\s+reviews-green\s+\d+\.\d/);
    expect(out).toMatch(/productpage\s+reviews-blue\s+\d+\.\d/);
    // 5. the good release.
    expect(out).toContain('✔ released:');
    // 7. the bad release fails its checks and rolls back, verified.
    expect(out).toMatch(/checks fail: success-rate=\d+(\.\d+)? \(fail min 99/);
    expect(out).toContain('rolling back (checks-failed)');
    expect(out).toContain('rollback verified: every proxy acked the stable routes');
    // The closing table.
    expect(out).toMatch(/^phase\s+duration\s+result$/m);
    expect(out).toMatch(/^deploy good\s+\S+\s+deployed$/m);
    expect(out).toMatch(/^release good \(canary\)\s+\S+\s+released$/m);
    expect(out).toMatch(/^deploy bad\s+\S+\s+deployed$/m);
    expect(out).toMatch(
      /^release bad \+ rollback\s+\S+\s+rolled back \(checks-failed\), verified$/m,
    );
    expect(out).toMatch(/^bad traffic -> routes restored:\s+\d+(\.\d+)?m?s/m);
    expect(out).toMatch(/^first failing check -> restored:\s+\d+(\.\d+)?m?s/m);
    expect(result.stderr).toBe('');
  }, 180_000);
});
