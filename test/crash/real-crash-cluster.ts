/**
 * The real test bed as a crash harness cluster: its API server behind the recording proxy
 * (the proxy presents the admin kubeconfig's client certificate), objects read with
 * kubectl, and the writes each crash point made taken from the API server's own audit log.
 */
import { join } from 'node:path';
import type { RequestOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import type { RealTestbedInfo } from '@switchyard/test-utils';
import { writesFromAuditLog } from './api-writes.js';
import type { CrashCluster } from './crash-harness.js';

const text = (value: unknown): string | undefined =>
  Buffer.isBuffer(value) ? value.toString('utf8') : typeof value === 'string' ? value : undefined;

/** The crash harness's view of the real test bed `info`. */
export async function realCrashCluster(info: RealTestbedInfo): Promise<CrashCluster> {
  const config = new KubeConfig();
  config.loadFromFile(info.kubeconfig);
  const server = config.getCurrentCluster()?.server;
  if (!server) throw new Error(`${info.kubeconfig} names no server`);
  const tls: RequestOptions = {};
  await config.applyToHTTPSOptions(tls);
  const caPem = text(tls.ca);
  if (!caPem) throw new Error(`${info.kubeconfig} has no certificate authority`);
  const auditLog = join(info.dir, 'logs', 'audit.log');
  return {
    kubeconfig: info.kubeconfig,
    target: { url: server, caPem, cert: text(tls.cert), key: text(tls.key) },
    auditedWrites: (namespace, sinceMs) => writesFromAuditLog(auditLog, namespace, sinceMs),
  };
}
