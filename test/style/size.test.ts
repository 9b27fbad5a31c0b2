// Keeps src/ readable in pieces (issue 13): no source file over 250 lines and no function,
// method or arrow function over 60 lines, counted from the line it starts on to the line it ends
// on, by the TypeScript compiler's own parser (typescript/unstable/sync, the devDependency).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { API } from 'typescript/unstable/sync';
import { SyntaxKind, type Node } from 'typescript/unstable/ast';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const maxFileLines = 250;
const maxFunctionLines = 60;

const functionKinds = new Set<SyntaxKind>([
  SyntaxKind.FunctionDeclaration, SyntaxKind.FunctionExpression, SyntaxKind.ArrowFunction, SyntaxKind.MethodDeclaration,
  SyntaxKind.Constructor, SyntaxKind.GetAccessor, SyntaxKind.SetAccessor,
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function lineCount(path: string): number {
  const text = readFileSync(path, 'utf8');
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

test(`no source file in src/ is over ${maxFileLines} lines`, () => {
  const long = sourceFiles(join(repo, 'src')).map((path) => ({ file: relative(repo, path), lines: lineCount(path) })).filter((f) => f.lines > maxFileLines);
  assert.deepEqual(long, []);
});

test(`no function in src/ is over ${maxFunctionLines} lines`, { timeout: 60_000 }, () => {
  const api = new API({ cwd: repo });
  try {
    const snapshot = api.updateSnapshot({ openProjects: [join(repo, 'tsconfig.json')] });
    const program = snapshot.getProjects()[0]!.program;
    const long: string[] = [];
    let counted = 0;
    for (const path of sourceFiles(join(repo, 'src'))) {
      const file = program.getSourceFile(path);
      assert.ok(file !== undefined, `${path} is not in tsconfig.json's program`);
      const line = (position: number): number => file.getLineAndCharacterOfPosition(position).line + 1;
      const visit = (node: Node): void => {
        if (functionKinds.has(node.kind)) {
          counted++;
          const start = line(node.getStart(file));
          const lines = line(node.end) - start + 1;
          if (lines > maxFunctionLines) long.push(`${relative(repo, path)}:${start} (${lines} lines)`);
        }
        node.forEachChild(visit);
      };
      file.forEachChild(visit);
    }
    // The walk must have seen the functions for the check to mean anything.
    assert.ok(counted > 300, `only ${counted} functions found in src/`);
    assert.deepEqual(long, []);
  } finally {
    api.close();
  }
});
