// The npm package's bin, dist/jobdone.cjs, on plain Node (here the host's Node 20, not the
// single executable's 24) from a folder holding nothing else, as `npx jobdone` and
// `kubectl jobdone` run it on a laptop; a non-Linux OS is faked with a preload that sets
// process.platform, since run and ps must refuse there in one line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { linuxOnlyRefusal } from '../../src/platform.ts';
import { repoRoot } from '../helpers/jobdone.ts';
import { cannotRun } from '../helpers/skip.ts';
import { fixturesDir } from './harness.ts';

const entry = join(repoRoot, 'dist', 'jobdone.cjs');

function skipReason(): string | undefined {
  if (existsSync(entry)) return undefined;
  return cannotRun('the npm bin test', 'dist/jobdone.cjs is not built (npm test builds it first)', 'npm run build');
}

describe('the npm bin dist/jobdone.cjs on plain Node', { skip: skipReason() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'jobdone-npm-bin-'));
  const bin = join(dir, 'jobdone.cjs');
  const darwin = join(dir, 'darwin.cjs');
  if (existsSync(entry)) copyFileSync(entry, bin);
  writeFileSync(darwin, "Object.defineProperty(process, 'platform', { value: 'darwin' });\n");
  const chart = readFileSync(join(fixturesDir, 'chart', 'input.yaml'), 'utf8');
  const expected = readFileSync(join(fixturesDir, 'chart', 'expected.yaml'), 'utf8');
  const node = (args: string[], input = '') => spawnSync(process.execPath, args, { input, encoding: 'utf8', cwd: dir, timeout: 30_000, env: { PATH: process.env.PATH } });

  it(`node jobdone.cjs inject works with nothing beside it (${process.version}), as on macOS`, () => {
    for (const preload of [[], ['--require', darwin]]) {
      const result = node([...preload, bin, 'inject', '--image', 'registry.example.com/jobdone:0.1.0'], chart);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout, expected);
    }
  });

  it('on a non-Linux OS, a run and ps refuse in one line (exit 125) and run nothing', () => {
    const marker = join(dir, 'ran');
    for (const args of [['--', 'touch', marker], ['ps']]) {
      const result = node(['--require', darwin, bin, ...args]);
      assert.equal(result.status, 125, result.stderr);
      assert.match(result.stderr, /^jobdone: jobdone (ps|-- CMD) runs only inside a Linux pod \(it reads the pod's \/proc\), and this is darwin: [^\n]+\n$/);
      assert.equal(result.stdout, '');
    }
    assert.equal(existsSync(marker), false);
    const version = node(['--require', darwin, bin, '--version']);
    assert.match(version.stdout, /^jobdone \d+\.\d+\.\d+ \(node v/);
  });

  it('as the kubectl plugin kubectl-jobdone found in PATH (what npm links for the bin)', () => {
    const pathDir = mkdtempSync(join(tmpdir(), 'jobdone-kubectl-'));
    symlinkSync(bin, join(pathDir, 'kubectl-jobdone'));
    const result = spawnSync('kubectl-jobdone', ['inject', '--image', 'registry.example.com/jobdone:0.1.0'], {
      input: chart, encoding: 'utf8', timeout: 30_000,
      env: { PATH: `${pathDir}:${dirname(process.execPath)}:/usr/bin:/bin` },
    });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, expected);
  });
});

describe('which commands need Linux', () => {
  it('run and ps refuse on darwin and win32; inject, sidecar, install, help and version do not; nothing refuses on linux', () => {
    for (const platform of ['darwin', 'win32'] as const) {
      assert.match(linuxOnlyRefusal('run', platform)!, /^jobdone -- CMD runs only inside a Linux pod/);
      assert.match(linuxOnlyRefusal('ps', platform)!, /^jobdone ps runs only inside a Linux pod/);
      for (const kind of ['inject', 'sidecar', 'install', 'help', 'version']) assert.equal(linuxOnlyRefusal(kind, platform), undefined, kind);
    }
    for (const kind of ['run', 'ps', 'inject']) assert.equal(linuxOnlyRefusal(kind, 'linux'), undefined);
  });
});
