/**
 * `switchyard sim`: the default scenario in the foreground with Prometheus, usable with
 * its kubeconfig, stopped cleanly (Prometheus included) by a signal; an invalid scenario
 * exits 2 naming the field.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, runCli } from '@switchyard/test-utils';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-cli-sim-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface SimInfo {
  scenario: string;
  kubeconfigPath: string;
  apiUrl: string;
  prometheusUrl?: string;
  controlUrl: string;
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

describe('switchyard sim', () => {
  it('runs the default scenario with Prometheus until SIGINT, then stops everything (exit 0)', async () => {
    const child = spawn(process.execPath, [CLI_BIN, 'sim', '--prometheus', '-o', 'json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const info = await new Promise<SimInfo>((resolve, reject) => {
      let buffered = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        buffered += chunk;
        const newline = buffered.indexOf('\n');
        if (newline >= 0) resolve(JSON.parse(buffered.slice(0, newline)) as SimInfo);
      });
      child.on('close', (code) => reject(new Error(`sim exited ${code}: ${stderr}`)));
    });
    try {
      expect(info.scenario).toBe('bookinfo');
      expect(existsSync(info.kubeconfigPath)).toBe(true);
      expect(info.apiUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(await answers(`${info.prometheusUrl}/-/ready`)).toBe(true);
      expect(await answers(`${info.controlUrl}/state`)).toBe(true);

      const status = await runCli(['status', 'reviews', '--kubeconfig', info.kubeconfigPath]);
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toContain('bookinfo/reviews  phase unmanaged');
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(stderr).toContain('received SIGINT: stopping the simulator and Prometheus');
    expect(await answers(`${info.prometheusUrl}/-/ready`)).toBe(false);
    expect(await answers(`${info.controlUrl}/state`)).toBe(false);
    // The temporary kubeconfig (it holds a token) is removed with the simulator.
    expect(existsSync(info.kubeconfigPath)).toBe(false);
  });

  it('prints how to use it, without the kubeconfig contents', async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    let printed = '';
    const result = await runCli(['sim', '--write-kubeconfig', kubeconfig], {
      onLine: (line, child) => {
        printed += `${line}\n`;
        if (line.includes('Ctrl-C stops everything')) child.kill('SIGTERM');
      },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(printed).toContain(`export KUBECONFIG=${kubeconfig}`);
    expect(printed).toMatch(/API server\s+https:\/\/127\.0\.0\.1:\d+/);
    expect(printed).toContain('not started (add --prometheus)');
    expect(printed).toContain('switchyard deploy reviews --image');
    expect(result.stderr).toContain('received SIGTERM');
    // A kubeconfig written where the user asked for it stays; its token is never printed.
    const token = /token: (\S+)/.exec(await readFile(kubeconfig, 'utf8'))?.[1];
    expect(token).toBeTruthy();
    expect(printed + result.stderr).not.toContain(token!);
  });

  it('refuses an invalid scenario with exit 2, naming the field', async () => {
    const file = join(dir, 'invalid.yaml');
    await writeFile(
      file,
      'name: broken\nclients:\n  - name: productpage\n    namespace: bookinfo\n    rps: fast\n    target: { host: reviews, port: 9080 }\n',
    );
    const result = await runCli(['sim', '--scenario', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`invalid scenario ${file}`);
    expect(result.stderr).toContain('clients[0].rps');
  });
});
