// Every YAML block in the README (and docs/, CONTRIBUTING.md) says where it comes from, on the
// line right before its fence:
//   <!-- example: examples/k8s/job-istio.yaml -->   the block is that file's text, or a run of
//                                                   whole lines of it; the file is validated by
//                                                   test/examples/examples.test.ts
//   <!-- fragment: why -->                          a piece with no file of its own; it must still
//                                                   parse, and jobdone must accept every command
//                                                   line it gives /jobdone/jobdone
// so a block cannot drift from the example people copy, nor show options jobdone refuses.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { parseInvocation } from '../../src/config/parse.ts';
import { repoRoot } from '../helpers/jobdone.ts';

/** The example files test/examples/examples.test.ts validates. */
const validated = /^examples\/(k8s\/(mesh\/)?[^/]+\.yaml|compose\/compose\.yaml)$/;

function yamlBlockProblems(markdown: string, readExample: (path: string) => string | undefined): string[] {
  const problems: string[] = [];
  const lines = markdown.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const fence = /^(\s*)(`{3,}|~{3,})\s*(\w*)/.exec(lines[index]!);
    if (fence === null) continue;
    const end = lines.findIndex((line, at) => at > index && line.trimStart().startsWith(fence[2]!));
    if (end === -1) return [...problems, `line ${index + 1}: a code block that never ends`];
    const where = `the YAML block at line ${index + 1}`;
    const block = lines.slice(index + 1, end);
    const marker = /^<!-- (example|fragment): (.+?) -->$/.exec(lines[index - 1]?.trim() ?? '');
    const isYaml = fence[3] === 'yaml' || fence[3] === 'yml';
    index = end;
    if (!isYaml) continue;
    if (marker === null) {
      problems.push(`${where} has no <!-- example: FILE --> or <!-- fragment: WHY --> on the line before it`);
    } else if (marker[1] === 'example') {
      problems.push(...exampleProblems(where, block, marker[2]!, readExample));
    } else {
      problems.push(...fragmentProblems(where, block));
    }
  }
  return problems;
}

function exampleProblems(where: string, block: readonly string[], path: string, readExample: (path: string) => string | undefined): string[] {
  if (!validated.test(path)) return [`${where} names ${path}, which is not an example file the examples test validates`];
  const text = readExample(path);
  if (text === undefined) return [`${where} names ${path}, which does not exist`];
  const file = text.replace(/\n$/, '').split('\n');
  for (let start = 0; start + block.length <= file.length; start++) {
    if (block.every((line, offset) => line === file[start + offset])) return [];
  }
  // Point at the first line that has no counterpart, the likeliest place of the drift.
  const stray = block.find((line) => !file.includes(line));
  return [`${where} is not a run of whole lines of ${path}${stray === undefined ? ' (its lines are there, not in this order)' : `: ${JSON.stringify(stray.trim())} is not in the file`}`];
}

function fragmentProblems(where: string, block: readonly string[]): string[] {
  // A fragment may be indented as it would sit in a manifest: dedent before parsing.
  const indent = Math.min(...block.filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)![0].length));
  let doc: unknown;
  try {
    doc = parse(block.map((line) => line.slice(indent)).join('\n'));
  } catch (error) {
    return [`${where} is not valid YAML: ${(error as Error).message.split('\n')[0]}`];
  }
  const problems: string[] = [];
  for (const command of jobdoneCommands(doc)) {
    try {
      parseInvocation(command.slice(1), {});
    } catch (error) {
      problems.push(`${where} runs ${JSON.stringify(command)}, which jobdone refuses: ${(error as Error).message}`);
    }
  }
  return problems;
}

/** Every `command:` list in the document that starts jobdone. */
function jobdoneCommands(node: unknown): string[][] {
  if (Array.isArray(node)) return node.flatMap(jobdoneCommands);
  if (node === null || typeof node !== 'object') return [];
  const found: string[][] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'command' && Array.isArray(value) && value[0] === '/jobdone/jobdone') found.push(value.map(String));
    else found.push(...jobdoneCommands(value));
  }
  return found;
}

function markdownFiles(): string[] {
  const files = ['README.md', 'CONTRIBUTING.md'].map((name) => join(repoRoot, name)).filter((path) => existsSync(path));
  const docs = join(repoRoot, 'docs');
  if (existsSync(docs)) {
    for (const entry of readdirSync(docs, { recursive: true, encoding: 'utf8' })) if (entry.endsWith('.md')) files.push(join(docs, entry));
  }
  return files;
}

const readExample = (path: string): string | undefined => {
  const file = join(repoRoot, path);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
};

describe('YAML in the documentation', () => {
  for (const file of markdownFiles()) {
    it(`${relative(repoRoot, file)}: every YAML block is an example file's text, or a fragment jobdone accepts`, () => {
      assert.deepEqual(yamlBlockProblems(readFileSync(file, 'utf8'), readExample), []);
    });
  }

  it('the check can fail: drift, a missing marker, a missing file, a refused option, a fragment that does not parse', () => {
    const files: Record<string, string> = { 'examples/k8s/job.yaml': 'kind: Job\nspec:\n  a: 1\n  b: 2\n' };
    const read = (path: string): string | undefined => files[path];
    const check = (markdown: string): string[] => yamlBlockProblems(markdown, read);
    assert.deepEqual(check('<!-- example: examples/k8s/job.yaml -->\n```yaml\nspec:\n  a: 1\n```\n'), []);
    assert.deepEqual(check('<!-- example: examples/k8s/job.yaml -->\n```yaml\nkind: Job\nspec:\n  a: 1\n  b: 2\n```\n'), []);
    assert.deepEqual(check('<!-- example: examples/k8s/job.yaml -->\n```yaml\nspec:\n  a: 2\n```\n'), [
      'the YAML block at line 2 is not a run of whole lines of examples/k8s/job.yaml: "a: 2" is not in the file',
    ]);
    assert.deepEqual(check('<!-- example: examples/k8s/job.yaml -->\n```yaml\nspec:\n  b: 2\n```\n'), [
      'the YAML block at line 2 is not a run of whole lines of examples/k8s/job.yaml (its lines are there, not in this order)',
    ]);
    assert.deepEqual(check('Text.\n\n```yaml\na: 1\n```\n\n```sh\nnot yaml: checked\n```\n'), [
      'the YAML block at line 3 has no <!-- example: FILE --> or <!-- fragment: WHY --> on the line before it',
    ]);
    assert.deepEqual(check('<!-- example: examples/k8s/gone.yaml -->\n```yaml\na: 1\n```\n'), ['the YAML block at line 2 names examples/k8s/gone.yaml, which does not exist']);
    assert.match(check('<!-- example: README.md -->\n```yaml\na: 1\n```\n')[0]!, /not an example file the examples test validates/);
    assert.deepEqual(check('<!-- fragment: a container -->\n```yaml\n    - name: x\n      command: ["/jobdone/jobdone", "--grace", "5s", "--", "true"]\n```\n'), []);
    assert.match(check('<!-- fragment: a container -->\n```yaml\n- name: x\n  command: ["/jobdone/jobdone", "--grace", "soon", "--", "true"]\n```\n')[0]!,
      /runs \["\/jobdone\/jobdone","--grace","soon","--","true"\], which jobdone refuses: bad duration "soon"/);
    assert.match(check('<!-- fragment: broken -->\n```yaml\na: [1\n```\n')[0]!, /is not valid YAML/);
  });
});
