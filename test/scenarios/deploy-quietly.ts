/** The step most scenarios start from: a new image deployed to the idle slot. */
import { runCli, type Cluster } from '@switchyard/test-utils';
import { expect } from 'vitest';

/**
 * `switchyard deploy reviews --image <image> -q` with `extra` flags against the cluster;
 * expects exit 0 (the output shows otherwise).
 */
export async function deployQuietly(
  cluster: Cluster,
  image: string,
  extra: readonly string[] = [],
): Promise<void> {
  const result = await runCli([
    'deploy',
    'reviews',
    '--image',
    image,
    '-q',
    ...extra,
    ...cluster.cliTarget(),
  ]);
  expect(result.code, result.stdout + result.stderr).toBe(0);
}
