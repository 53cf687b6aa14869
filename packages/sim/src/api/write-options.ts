/**
 * Query options of writes (`dryRun`, `fieldValidation`) and delete options (query or
 * DeleteOptions body), validated as the real server validates them: bad values are a 422
 * on the `*Options.meta.k8s.io` kind.
 */
import type { FieldValidation } from '../store/admission.js';
import { invalid, type FieldError } from './api-status.js';
import { isApplyPatch } from './patch-document.js';

/** Which options kind the request carries, for error messages. */
export type OptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions' | 'DeleteOptions';

/** Parsed write options. */
export interface WriteQuery {
  /** `dryRun=All`: validate and admit, store nothing. */
  dryRun: boolean;
  /** Unknown-field handling; the server default is Warn. */
  fieldValidation: FieldValidation;
  /** `fieldManager`; undefined when not given. */
  fieldManager?: string;
}

function optionsInvalid(kind: OptionsKind, errors: FieldError[]): Error {
  return invalid({ group: 'meta.k8s.io', kind }, '', errors);
}

function dryRunErrors(values: string[]): FieldError[] {
  if (values.every((v) => v === 'All')) return [];
  return [
    {
      type: 'FieldValueNotSupported',
      field: 'dryRun',
      message: `Unsupported value: []string{${values.map((v) => JSON.stringify(v)).join(', ')}}: supported values: "All"`,
    },
  ];
}

function parseDryRun(values: string[], kind: OptionsKind): boolean {
  const errors = dryRunErrors(values);
  if (errors.length > 0) throw optionsInvalid(kind, errors);
  return values.length > 0;
}

const FIELD_MANAGER_MAX_LENGTH = 128;

/**
 * Parses `dryRun`, `fieldValidation` and `fieldManager` from the query, reporting every
 * problem at once in `ValidateCreateOptions` / `ValidatePatchOptions` order. For a patch,
 * `patchType` is its media type: apply patches need a field manager, `force` is for them only.
 */
export function parseWriteQuery(
  query: URLSearchParams,
  kind: OptionsKind,
  patchType?: string,
): WriteQuery {
  const errors: FieldError[] = [];
  const fieldManager = query.get('fieldManager') ?? '';
  if (patchType !== undefined) {
    if (isApplyPatch(patchType)) {
      if (fieldManager === '')
        errors.push({
          type: 'FieldValueRequired',
          field: 'fieldManager',
          message: 'Required value: is required for apply patch',
        });
    } else if (query.has('force')) {
      errors.push({
        type: 'FieldValueForbidden',
        field: 'force',
        message: 'Forbidden: may not be specified for non-apply patch',
      });
    }
  }
  if (Buffer.byteLength(fieldManager) > FIELD_MANAGER_MAX_LENGTH)
    errors.push({
      type: 'FieldValueTooLong',
      field: 'fieldManager',
      message: `Too long: may not be more than ${FIELD_MANAGER_MAX_LENGTH} bytes`,
    });
  const dryRunValues = query.getAll('dryRun');
  errors.push(...dryRunErrors(dryRunValues));
  const raw = query.get('fieldValidation') ?? '';
  if (raw !== '' && raw !== 'Strict' && raw !== 'Warn' && raw !== 'Ignore') {
    errors.push({
      type: 'FieldValueNotSupported',
      field: 'fieldValidation',
      message: `Unsupported value: "${raw}": supported values: "Ignore", "Strict", "Warn"`,
    });
  }
  if (errors.length > 0) throw optionsInvalid(kind, errors);
  return {
    dryRun: dryRunValues.length > 0,
    fieldValidation: (raw || 'Warn') as FieldValidation,
    ...(fieldManager !== '' ? { fieldManager } : {}),
  };
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
