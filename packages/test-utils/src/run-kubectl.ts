/** kubectl as an independent client, for the simulator and the real test bed alike. */
import { spawn } from 'node:child_process';

/**
 * Runs `kubectl --kubeconfig <kubeconfig> <args>`, with `input` on stdin when given; resolves
 * stdout, rejects with the command and its stderr.
 */
export function runKubectl(
  kubeconfig: string,
  args: readonly string[],
  input?: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', ['--kubeconfig', kubeconfig, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(out).toString('utf8'))
        : reject(
            new Error(`kubectl ${args.join(' ')}: ${Buffer.concat(err).toString('utf8').trim()}`),
          ),
    );
    child.stdin.end(input);
  });
}
