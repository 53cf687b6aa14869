import type { PreflightReport } from '@switchyard/core';
import { PREFLIGHT_CHECK_IDS } from '@switchyard/core/preflight-check-ids';
import picocolors from 'picocolors';
import { describe, expect, it } from 'vitest';
import { DOCTOR_EPILOGUE } from '../commands/doctor-command.js';
import { doctorText } from './doctor-text.js';

const colors = picocolors.createColors(false);

const report: PreflightReport = {
  service: 'reviews',
  namespace: 'bookinfo',
  checks: ['port-protocol', 'prometheus-data', 'subset-empty'],
  skipped: [{ id: 'proxy-sync', source: 'option' }],
  errors: 1,
  warnings: 1,
  findings: [
    {
      id: 'port-protocol',
      severity: 'error',
      object: { kind: 'Service', namespace: 'bookinfo', name: 'reviews' },
      field: 'spec.ports[0].name',
      message: 'port 9080 ("tcp") resolves to TCP',
      fix: 'name the port "http"',
    },
    {
      id: 'prometheus-data',
      severity: 'warning',
      object: { kind: 'Service', namespace: 'bookinfo', name: 'reviews' },
      field: '',
      message: 'no data',
      fix: 'send traffic',
    },
    {
      id: 'subset-empty',
      severity: 'info',
      object: { kind: 'DestinationRule', namespace: 'bookinfo', name: 'reviews' },
      field: 'spec.subsets[1]',
      message: 'the idle slot',
      fix: 'nothing',
    },
  ],
};

describe('doctor as text', () => {
  it('groups findings by severity with object, field, message and fix, then the skips', () => {
    expect(doctorText(report, colors)).toEqual([
      'doctor bookinfo/reviews: 3 checks, 1 error, 1 warning, 1 info',
      '',
      'ERRORS (1)',
      '  port-protocol    Service bookinfo/reviews spec.ports[0].name',
      '                   port 9080 ("tcp") resolves to TCP',
      '                   fix: name the port "http"',
      '',
      'WARNINGS (1)',
      '  prometheus-data  Service bookinfo/reviews',
      '                   no data',
      '                   fix: send traffic',
      '',
      'INFO (1)',
      '  subset-empty     DestinationRule bookinfo/reviews spec.subsets[1]',
      '                   the idle slot',
      '                   fix: nothing',
      '',
      'skipped proxy-sync (--skip-check)',
    ]);
  });

  it('says so when nothing was found', () => {
    expect(
      doctorText({ ...report, findings: [], errors: 0, warnings: 0, skipped: [] }, colors),
    ).toEqual([
      'doctor bookinfo/reviews: 3 checks, 0 errors, 0 warnings, 0 info',
      '',
      'no problems found',
    ]);
  });

  it('lists in --help exactly the checks core has', () => {
    expect(DOCTOR_EPILOGUE).toContain(`Checks: ${PREFLIGHT_CHECK_IDS.join(', ')}.\n`);
  });
});
