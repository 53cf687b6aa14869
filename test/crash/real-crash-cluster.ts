/**
 * The real test bed as a crash harness cluster: its API server behind the recording proxy,
 * objects read with kubectl, and the writes each crash point made taken from the API
 * server's own audit log.
 */
import { join } from 'node:path';
import type { RealClusterInfo } from '@switchyard/test-utils';
import { writesFromAuditLog } from './api-writes.js';
import type { CrashCluster } from './crash-harness.js';

/** The crash harness's view of the real test bed `info`. */
export function realCrashCluster(info: RealClusterInfo): CrashCluster {
  const auditLog = join(info.dir, 'logs', 'audit.log');
  return {
    kubeconfig: info.kubeconfig,
    auditedWrites: (namespace, sinceMs) => writesFromAuditLog(auditLog, namespace, sinceMs),
  };
}
