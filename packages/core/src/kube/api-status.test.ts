import { describe, expect, test } from 'vitest';
import { parseApiStatus, reasonForCode } from './api-status.js';

const conflictStatus = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message:
    'Operation cannot be fulfilled on virtualservices.networking.istio.io "reviews": the object has been modified; please apply your changes to the latest version and try again',
  reason: 'Conflict',
  details: { name: 'reviews', group: 'networking.istio.io', kind: 'virtualservices' },
  code: 409,
};

describe('parseApiStatus', () => {
  test('parses a Status given as a JSON string (what client-node usually hands over)', () => {
    const status = parseApiStatus(409, JSON.stringify(conflictStatus));
    expect(status).toMatchObject({ code: 409, reason: 'Conflict', isStatus: true, causes: [] });
    expect(status.message).toContain('the object has been modified');
  });

  test('parses a Status given as an object or a Buffer', () => {
    expect(parseApiStatus(409, conflictStatus).reason).toBe('Conflict');
    expect(parseApiStatus(409, Buffer.from(JSON.stringify(conflictStatus))).reason).toBe(
      'Conflict',
    );
  });

  test('reads field causes and retryAfterSeconds', () => {
    const status = parseApiStatus(422, {
      kind: 'Status',
      reason: 'Invalid',
      message:
        'VirtualService.networking.istio.io "reviews" is invalid: spec.http[0].route[0].weight: Invalid value: -1',
      details: {
        retryAfterSeconds: 3,
        causes: [
          {
            reason: 'FieldValueInvalid',
            message: 'Invalid value: -1',
            field: 'spec.http[0].route[0].weight',
          },
        ],
      },
      code: 422,
    });
    expect(status.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: -1',
        field: 'spec.http[0].route[0].weight',
      },
    ]);
    expect(status.retryAfterSeconds).toBe(3);
  });

  test('derives reason and message from the code when the body is not a Status', () => {
    expect(parseApiStatus(503, '<html>upstream unavailable</html>')).toMatchObject({
      reason: 'ServiceUnavailable',
      message: '<html>upstream unavailable</html>',
      isStatus: false,
    });
    const empty = parseApiStatus(401, undefined);
    expect(empty.reason).toBe('Unauthorized');
    expect(empty.message).toContain('401');
  });

  test('truncates long non-Status bodies', () => {
    expect(parseApiStatus(502, 'x'.repeat(5000)).message.length).toBeLessThan(400);
  });

  test('reasonForCode falls back to InternalError for unknown 5xx and Unknown otherwise', () => {
    expect(reasonForCode(599)).toBe('InternalError');
    expect(reasonForCode(418)).toBe('Unknown');
    expect(reasonForCode(429)).toBe('TooManyRequests');
  });
});
