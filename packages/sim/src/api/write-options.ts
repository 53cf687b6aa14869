/**
 * Query options of writes (`dryRun`, `fieldValidation`) and delete options (query or
 * DeleteOptions body), validated as the real server validates them: bad values are a 422
 * on the `*Options.meta.k8s.io` kind.
 */
import type { FieldValidation } from '../store/admission.js';
import { invalid, type FieldError } from './api-status.js';

/** Which options kind the request carries, for error messages. */
export type OptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions' | 'DeleteOptions';

/** Parsed write options. */
export interface WriteQuery {
  /** `dryRun=All`: validate and admit, store nothing. */
  dryRun: boolean;
  /** Unknown-field handling; the server default is Warn. */
  fieldValidation: FieldValidation;
}

function optionsInvalid(kind: OptionsKind, errors: FieldError[]): Error {
  return invalid({ group: 'meta.k8s.io', kind }, '', errors);
}

function parseDryRun(values: string[], kind: OptionsKind): boolean {
  if (values.length === 0) return false;
  if (values.every((v) => v === 'All')) return true;
  throw optionsInvalid(kind, [
    {
      type: 'FieldValueNotSupported',
      field: 'dryRun',
      message: `Unsupported value: []string{${values.map((v) => JSON.stringify(v)).join(', ')}}: supported values: "All"`,
    },
  ]);
}

/** Parses `dryRun` and `fieldValidation` from the query. */
export function parseWriteQuery(query: URLSearchParams, kind: OptionsKind): WriteQuery {
  const dryRun = parseDryRun(query.getAll('dryRun'), kind);
  const raw = query.get('fieldValidation') ?? '';
  if (raw !== '' && raw !== 'Strict' && raw !== 'Warn' && raw !== 'Ignore') {
    throw optionsInvalid(kind, [
      {
        type: 'FieldValueNotSupported',
        field: 'fieldValidation',
        message: `Unsupported value: "${raw}": supported values: "Ignore", "Strict", "Warn"`,
      },
    ]);
  }
  return { dryRun, fieldValidation: raw === '' ? 'Warn' : raw };
}

/** Parsed delete options. */
export interface DeleteQuery {
  /** Dry run. */
  dryRun: boolean;
  /** Grace period override; undefined uses the object's default. */
  gracePeriodSeconds?: number;
  /** `Orphan`, `Background` or `Foreground`; accepted and recorded, there is no garbage collector. */
  propagationPolicy?: string;
  /** Delete only if the object still has this uid / resourceVersion. */
  preconditions: { uid?: string; resourceVersion?: string };
}

const PROPAGATION_POLICIES = ['Orphan', 'Background', 'Foreground'];

/** Merges delete options from the query and an optional DeleteOptions body. */
export function parseDeleteOptions(
  query: URLSearchParams,
  body: Record<string, unknown> | undefined,
): DeleteQuery {
  const dryRunValues = [
    ...query.getAll('dryRun'),
    ...(Array.isArray(body?.dryRun) ? (body.dryRun as unknown[]).map(String) : []),
  ];
  const dryRun = parseDryRun(dryRunValues, 'DeleteOptions');
  const graceRaw = body?.gracePeriodSeconds ?? query.get('gracePeriodSeconds') ?? undefined;
  let gracePeriodSeconds: number | undefined;
  if (graceRaw !== undefined && graceRaw !== null && graceRaw !== '') {
    gracePeriodSeconds = Number(graceRaw);
    if (!Number.isInteger(gracePeriodSeconds) || gracePeriodSeconds < 0) {
      throw optionsInvalid('DeleteOptions', [
        {
          type: 'FieldValueInvalid',
          field: 'gracePeriodSeconds',
          message: `Invalid value: ${JSON.stringify(graceRaw)}: must be greater than or equal to 0`,
        },
      ]);
    }
  }
  const policyRaw =
    (body?.propagationPolicy as string | undefined) ?? query.get('propagationPolicy') ?? undefined;
  if (policyRaw !== undefined && !PROPAGATION_POLICIES.includes(policyRaw)) {
    throw optionsInvalid('DeleteOptions', [
      {
        type: 'FieldValueNotSupported',
        field: 'propagationPolicy',
        message: `Unsupported value: "${policyRaw}": supported values: "Foreground", "Background", "Orphan", "nil"`,
      },
    ]);
  }
  const pre = (body?.preconditions ?? {}) as { uid?: unknown; resourceVersion?: unknown };
  return {
    dryRun,
    ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}),
    ...(policyRaw !== undefined ? { propagationPolicy: policyRaw } : {}),
    preconditions: {
      ...(typeof pre.uid === 'string' ? { uid: pre.uid } : {}),
      ...(typeof pre.resourceVersion === 'string' ? { resourceVersion: pre.resourceVersion } : {}),
    },
  };
}
