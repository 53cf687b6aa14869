/**
 * Renames the reviews Service's first port on the demo's simulator, as
 * `kubectl -n bookinfo patch service reviews --type=json -p '[{"op":"replace",...}]'` would:
 * one JSON Patch over the simulator's HTTPS API with its CA and token (never printed).
 */
import { request } from 'node:https';
import type { Simulator } from '@switchyard/sim';

/** The kubectl command the demo prints for the same change. */
export function portRenameCommand(namespace: string, service: string, name: string): string {
  return `kubectl -n ${namespace} patch service ${service} --type=json -p '[{"op":"replace","path":"/spec/ports/0/name","value":"${name}"}]'`;
}

/** Sets `spec.ports[0].name` of the Service. */
export function renameServicePort(
  sim: Pick<Simulator, 'apiUrl' | 'caPem' | 'token'>,
  namespace: string,
  service: string,
  name: string,
): Promise<void> {
  const body = JSON.stringify([{ op: 'replace', path: '/spec/ports/0/name', value: name }]);
  return new Promise((resolve, reject) => {
    const req = request(
      `${sim.apiUrl}/api/v1/namespaces/${namespace}/services/${service}`,
      {
        method: 'PATCH',
        ca: sim.caPem,
        headers: {
          authorization: `Bearer ${sim.token}`,
          'content-type': 'application/json-patch+json',
          accept: 'application/json',
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          if (response.statusCode === 200) resolve();
          else
            reject(
              new Error(
                `renaming the port of Service ${namespace}/${service}: ${response.statusCode}: ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`,
              ),
            );
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
