/**
 * Core's public index exports what its callers use, and nothing else: the CLI, test-utils,
 * the examples and the documentation a user reads (the READMEs). A name only core or the
 * tests under `test/` use is internal: tests reach internals through the non-public
 * `@switchyard/core/internal-testing` subpath (ARCHITECTURE.md, "Core's public API").
 *
 * When this fails because an export has no caller: drop it from `index.ts` (tests import it
 * from `internal-testing.ts`), or give it its caller first.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CORE = '@switchyard/core';

/** Files below `dir` (relative to the repository) whose names match `pattern`. */
function filesBelow(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  const walk = (path: string): void => {
    for (const entry of readdirSync(path)) {
      if (entry === 'node_modules' || entry === 'dist' || entry.startsWith('.')) continue;
      const full = join(path, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (pattern.test(entry)) out.push(full);
    }
  };
  walk(join(ROOT, dir));
  return out;
}

/** Code below `dir`, tests left out (a test's needs do not make a name public). */
const codeFiles = (dir: string): string[] =>
  filesBelow(dir, /\.(ts|mts|js|mjs)$/).filter((file) => !file.endsWith('.test.ts'));

/** The documents a user of the packages reads: the READMEs and the examples' notes. */
function callerDocs(): string[] {
  const readmes = [
    'README.md',
    ...readdirSync(join(ROOT, 'packages')).map((p) => `packages/${p}/README.md`),
  ]
    .map((file) => join(ROOT, file))
    .filter((file) => existsSync(file));
  return [...readmes, ...filesBelow('examples', /\.md$/)];
}

/** The names a source text imports or re-exports from `module`. */
function namesFrom(text: string, module: string, file = 'file.ts'): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const names: string[] = [];
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) && !ts.isExportDeclaration(statement)) continue;
    const specifier = statement.moduleSpecifier;
    if (!specifier || !ts.isStringLiteral(specifier) || specifier.text !== module) continue;
    const bindings = ts.isImportDeclaration(statement)
      ? statement.importClause?.namedBindings
      : statement.exportClause;
    if (bindings && (ts.isNamedImports(bindings) || ts.isNamedExports(bindings)))
      for (const element of bindings.elements)
        names.push((element.propertyName ?? element.name).text);
  }
  return names;
}

/** The names the index exports. */
function indexExports(): string[] {
  const text = readFileSync(join(ROOT, 'packages/core/src/index.ts'), 'utf8');
  const source = ts.createSourceFile('index.ts', text, ts.ScriptTarget.Latest, false);
  const names: string[] = [];
  for (const statement of source.statements) {
    const clause = ts.isExportDeclaration(statement) ? statement.exportClause : undefined;
    if (!clause || !ts.isNamedExports(clause))
      throw new Error(
        `index.ts holds explicit named re-exports only, not: ${statement.getText(source)}`,
      );
    for (const element of clause.elements) names.push(element.name.text);
  }
  return names;
}

/** Where each name of core's index is used by a caller (file paths). */
function callerUses(): Map<string, string[]> {
  const uses = new Map<string, string[]>();
  const add = (name: string, file: string): void => {
    uses.set(name, [...(uses.get(name) ?? []), relative(ROOT, file)]);
  };
  const code = [
    ...codeFiles('packages/cli/src'),
    ...codeFiles('packages/test-utils/src'),
    ...codeFiles('examples'),
  ];
  for (const file of code)
    for (const name of namesFrom(readFileSync(file, 'utf8'), CORE, file)) add(name, file);
  for (const file of callerDocs()) {
    const text = readFileSync(file, 'utf8');
    // Code blocks that import from core, and prose naming an export: "`X` in `@switchyard/core`".
    for (const [, block = ''] of text.matchAll(
      /```(?:ts|js|typescript|javascript)\n([\s\S]*?)```/g,
    ))
      for (const name of namesFrom(block, CORE)) add(name, file);
    for (const [, name = ''] of text.matchAll(/`(\w+)` in `@switchyard\/core`/g)) add(name, file);
  }
  return uses;
}

describe("core's public index", () => {
  const exported = indexExports();
  const uses = callerUses();

  it('exports only names a caller uses (the CLI, test-utils, the examples, the READMEs)', () => {
    const unused = exported.filter((name) => !uses.has(name));
    expect(unused, 'exported but used by no caller: make them internal').toEqual([]);
  });

  it('exports each name once', () => {
    expect(exported.filter((name, i) => exported.indexOf(name) !== i)).toEqual([]);
  });

  it('sees the callers it reads (a broken scan would pass the first test vacuously)', () => {
    expect(uses.get('release')).toEqual(
      expect.arrayContaining(['README.md', expect.stringMatching(/^packages\/cli\/src\//)]),
    );
    expect(uses.get('OperationInput')).toEqual(
      expect.arrayContaining([expect.stringMatching(/^packages\/test-utils\/src\//)]),
    );
    expect(namesFrom("import { a, type B as C } from '@switchyard/core';", CORE)).toEqual([
      'a',
      'B',
    ]);
  });

  it('is reached by tests through package names, never by a path into packages/core', () => {
    const byPath = filesBelow('test', /\.(ts|mts|js|mjs)$/).filter((file) =>
      /from '(\.\.\/)+packages\/core\//.test(readFileSync(file, 'utf8')),
    );
    expect(byPath.map((file) => relative(ROOT, file))).toEqual([]);
  });

  it('keeps the internal-testing subpath out of the published package', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'packages/core/package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
      files: string[];
    };
    expect(manifest.exports['./internal-testing']).toBeDefined();
    expect(manifest.files).toContain('!dist/internal-testing.*');
  });
});
