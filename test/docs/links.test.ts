// The README stays a ten-minute read, and the documentation it was split into stays connected:
// README.md is at most 300 lines, and every relative link in README.md, CONTRIBUTING.md and
// docs/ points to a file that exists and, with a #fragment, to a heading that exists there
// (GitHub's anchor for it). A reference link such as [blog post] that one file defines must be
// defined in every file that uses it: a section moved to docs/ without its definition renders
// as literal brackets.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../helpers/jobdone.ts';

export const readmeMaxLines = 300;

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, -1, -2 for repeats. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(markdown, false)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading === null) continue;
    const base = heading[1]!.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** The lines outside fenced code blocks; inline code spans blanked (links there are text) unless `keepCode`. */
function proseLines(markdown: string, blankCode = true): string[] {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence !== undefined) {
      if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      continue;
    }
    if (marker !== undefined) {
      fence = marker;
      continue;
    }
    lines.push(blankCode ? line.replace(/(`+)[^`]*?\1/g, (span) => ' '.repeat(span.length)) : line);
  }
  return lines;
}

const definitionPattern = /^ {0,3}\[([^\]]+)\]:\s*(\S+)/;

function definitions(markdown: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of proseLines(markdown)) {
    const definition = definitionPattern.exec(line);
    if (definition !== null) found.set(definition[1]!.toLowerCase(), definition[2]!);
  }
  return found;
}

/**
 * What is wrong with the links of one markdown file. `file` is its path relative to the
 * repository; `read` gives a repository file's text (undefined: no such file), `isFile` says
 * whether a path exists; `sharedLabels` are the reference labels some file of the set defines.
 */
export function linkProblems(
  file: string,
  markdown: string,
  read: (path: string) => string | undefined,
  exists: (path: string) => boolean,
  sharedLabels: ReadonlySet<string>,
): string[] {
  const problems: string[] = [];
  const local = definitions(markdown);
  const targets: { line: number; target: string }[] = [];
  for (const [index, line] of proseLines(markdown).entries()) {
    const definition = definitionPattern.exec(line);
    if (definition !== null) {
      targets.push({ line: index, target: definition[2]! });
      continue;
    }
    for (const link of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push({ line: index, target: link[1]! });
    // [text][label], [label][] and [label] that some file defines: this file must define it too.
    for (const reference of line.matchAll(/\[([^\]]+)\](?:\[([^\]]*)\])?(?![(:])/g)) {
      const label = (reference[2] || reference[1])!.toLowerCase();
      if ((reference[2] !== undefined || sharedLabels.has(label)) && !local.has(label)) {
        problems.push(`${file}: [${label}] is used but not defined in this file`);
      }
    }
  }
  for (const { target } of targets) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: ...
    const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
    const path = pathPart === '' ? file : relative('.', join(dirname(file), decodeURIComponent(pathPart)));
    if (path.startsWith('..')) {
      problems.push(`${file}: ${target} points outside the repository`);
      continue;
    }
    if (!exists(path)) {
      problems.push(`${file}: ${target} points to ${path}, which does not exist`);
      continue;
    }
    if (anchor === undefined || anchor === '') continue;
    const text = path === file ? markdown : path.endsWith('.md') ? read(path) : undefined;
    if (text === undefined) {
      problems.push(`${file}: ${target} has an anchor, but ${path} is not a markdown file`);
    } else if (!headingAnchors(text).has(decodeURIComponent(anchor).toLowerCase())) {
      problems.push(`${file}: ${target} names #${anchor}, which is no heading of ${path}`);
    }
  }
  return problems;
}

export function readmeLengthProblem(readme: string): string | undefined {
  const lines = readme.replace(/\n$/, '').split('\n').length;
  return lines > readmeMaxLines ? `README.md has ${lines} lines; at most ${readmeMaxLines}: move detail to docs/ or CONTRIBUTING.md` : undefined;
}

function documentationFiles(): string[] {
  const files = ['README.md', 'CONTRIBUTING.md'].filter((name) => existsSync(join(repoRoot, name)));
  if (existsSync(join(repoRoot, 'docs'))) {
    for (const entry of readdirSync(join(repoRoot, 'docs'), { recursive: true, encoding: 'utf8' })) {
      if (entry.endsWith('.md')) files.push(join('docs', entry));
    }
  }
  return files;
}

const readRepo = (path: string): string | undefined => {
  const full = resolve(repoRoot, path);
  return existsSync(full) && statSync(full).isFile() ? readFileSync(full, 'utf8') : undefined;
};
const existsRepo = (path: string): boolean => existsSync(resolve(repoRoot, path));

describe('the documentation', () => {
  it(`README.md is at most ${readmeMaxLines} lines`, () => {
    assert.equal(readmeLengthProblem(readFileSync(join(repoRoot, 'README.md'), 'utf8')), undefined);
  });

  const files = documentationFiles();
  const shared = new Set(files.flatMap((file) => [...definitions(readRepo(file)!).keys()]));
  for (const file of files) {
    it(`${file}: every relative link points to a file and heading that exist`, () => {
      assert.deepEqual(linkProblems(file, readRepo(file)!, readRepo, existsRepo, shared), []);
    });
  }

  it('the checks can fail: a long README, a missing file, a missing heading, a link outside, an undefined reference', () => {
    assert.equal(readmeLengthProblem('line\n'.repeat(300)), undefined);
    assert.match(readmeLengthProblem('line\n'.repeat(301))!, /^README.md has 301 lines; at most 300/);
    const files: Record<string, string> = {
      'README.md': '',
      'docs/a.md': '# A page\n\n## Why `/jobdone`, always\n\n## Bake it in: `COPY --from`\n\n## Notes\n\n## Notes\n',
      'examples/job.yaml': 'kind: Job\n',
    };
    const read = (path: string): string | undefined => files[path];
    const exists = (path: string): boolean => path in files || path === 'docs';
    const check = (file: string, markdown: string, shared: string[] = []): string[] => linkProblems(file, markdown, read, exists, new Set(shared));
    assert.deepEqual(check('README.md', [
      '[a](docs/a.md), [b](docs/a.md#why-jobdone-always), [c](docs/a.md#bake-it-in-copy---from),',
      '[d](docs/a.md#notes-1), [e](examples/job.yaml), [f](https://example.com/x#y), [g](#top)',
      '',
      '## Top',
      '',
      '`[not a link](gone.md)`',
      '```',
      '[nor this](gone.md)',
      '```',
    ].join('\n')), []);
    assert.deepEqual(check('docs/a.md', `${files['docs/a.md']}\n[up](../README.md) [same](#notes) [sibling](a.md#a-page)\n`), []);
    assert.deepEqual(check('docs/a.md', '[same](#notes)\n'), ['docs/a.md: #notes names #notes, which is no heading of docs/a.md']);
    assert.deepEqual(check('README.md', '[x](docs/gone.md) and [y](docs/a.md#nowhere)\n'), [
      'README.md: docs/gone.md points to docs/gone.md, which does not exist',
      'README.md: docs/a.md#nowhere names #nowhere, which is no heading of docs/a.md',
    ]);
    assert.deepEqual(check('README.md', '[z](examples/job.yaml#top) [w](../outside.md)\n'), [
      'README.md: examples/job.yaml#top has an anchor, but examples/job.yaml is not a markdown file',
      'README.md: ../outside.md points outside the repository',
    ]);
    assert.deepEqual(check('docs/a.md', 'the [blog post]\'s pod, [text][ref]\n', ['blog post']), [
      'docs/a.md: [blog post] is used but not defined in this file',
      'docs/a.md: [ref] is used but not defined in this file',
    ]);
    assert.deepEqual(check('docs/a.md', 'the [blog post]\'s pod\n\n[blog post]: https://example.com\n', ['blog post']), []);
  });
});
