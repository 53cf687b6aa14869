import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { describe, expect, it } from 'vitest';
import { releaseSpecJsonSchema } from './json-schema.js';

// The committed copy editors use. When the schema changes this test fails; regenerate the
// copy with `node_modules/.bin/vitest run packages/core/src/spec/json-schema.test.ts -u`
// and commit it.
const COMMITTED = fileURLToPath(new URL('../../schema/release-spec.schema.json', import.meta.url));

async function generated(): Promise<string> {
  const config = (await resolveConfig(COMMITTED)) ?? {};
  return format(JSON.stringify(releaseSpecJsonSchema()), { ...config, parser: 'json' });
}

describe('release spec JSON Schema', () => {
  it('matches the committed copy', async () => {
    await expect(await generated()).toMatchFileSnapshot(COMMITTED);
  });

  it('describes the file: strict objects, required header, formats editors can check', () => {
    const schema = releaseSpecJsonSchema() as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<
        string,
        { properties?: Record<string, { pattern?: string; items?: unknown }> }
      >;
    };
    expect(schema.required).toEqual(['apiVersion', 'kind', 'service']);
    expect(schema.additionalProperties).toBe(false);
    const checks = schema.properties.checks?.properties;
    expect(checks?.window?.pattern).toBe('^(?=\\d)(?:\\d+h)?(?:\\d+m(?!s))?(?:\\d+s)?(?:\\d+ms)?$');
    expect(schema.properties.strategy?.properties?.steps?.items).toMatchObject({
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
    });
  });
});
