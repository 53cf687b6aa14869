/**
 * The spec's TypeScript types carry TSDoc for library users; the declaration carries the
 * defaults. The compiler already holds their fields together (`release-spec-fields.ts`);
 * this holds the documented defaults to the declared ones, so changing a default in one
 * place and not the other fails.
 */
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { declaredSettings } from './field-declaration.js';
import { RELEASE_SPEC_FIELDS } from './release-spec-fields.js';

const SOURCE = fileURLToPath(new URL('./release-spec.ts', import.meta.url));

/** The TSDoc of every field of `ReleaseSpec`, by dotted path (lists not entered). */
function documentedFields(): Map<string, string> {
  const program = ts.createProgram([SOURCE], {
    strict: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(SOURCE) as ts.SourceFile;
  const spec = file.statements.find(
    (statement): statement is ts.InterfaceDeclaration =>
      ts.isInterfaceDeclaration(statement) && statement.name.text === 'ReleaseSpec',
  ) as ts.InterfaceDeclaration;
  const docs = new Map<string, string>();
  const walk = (type: ts.Type, path: string[]): void => {
    for (const property of type.getProperties()) {
      const here = [...path, property.name];
      docs.set(here.join('.'), ts.displayPartsToString(property.getDocumentationComment(checker)));
      const value = checker.getNonNullableType(checker.getTypeOfSymbol(property));
      // Into the sections' objects; not into lists, unions of items or primitives.
      const isObject = (value.flags & ts.TypeFlags.Object) !== 0;
      if (isObject && !checker.isArrayType(value) && value.getCallSignatures().length === 0) {
        walk(value, here);
      }
    }
  };
  walk(checker.getTypeAtLocation(spec.name), []);
  return docs;
}

describe('the TSDoc of the spec types', () => {
  const docs = documentedFields();

  it('documents every declared field', () => {
    for (const { path } of declaredSettings(RELEASE_SPEC_FIELDS)) {
      expect(docs.get(path.join('.')), path.join('.')).toMatch(/\S/);
    }
  });

  it('states each declared default as the declaration does', () => {
    for (const { path, node } of declaredSettings(RELEASE_SPEC_FIELDS)) {
      if (node.node !== 'field' || node.default === undefined) continue;
      const value = String(node.default).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      expect(docs.get(path.join('.')), path.join('.')).toMatch(
        new RegExp(`Undefined: \`?${value}\`?(?!\\w|\\.\\d)`),
      );
    }
  });
});
