// jobdone inject reads a command-less container's command from a real registry: Debian's
// docker-registry (distribution 2.8) started here on 127.0.0.1 with its own config and storage
// in a temporary folder (stopped by pid), images built and pushed by podman (its own storage
// in the same folder): ENTRYPOINT+CMD and CMD-only, single-arch and a multi-arch index
// (amd64 + arm64), by tag and by digest, and a second registry with htpasswd basic auth whose
// credentials come from a Docker config file. The effective argv of every container after
// inject is exactly jobdone's, then the argv it had before. An unreachable registry is one line.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { asRoot, cannotRun, install } from '../helpers/skip.ts';
import { inject } from '../inject/harness.ts';
import { podmanConfig } from './podman.ts';
import { run } from './run-command.ts';

function skipReason(): string | undefined {
  let reason: string | undefined;
  if (process.getuid?.() !== 0) reason = 'needs root (rootful podman builds)';
  else if (spawnSync('docker-registry', ['--version'], { stdio: 'ignore' }).status !== 0) reason = 'docker-registry is not installed (Debian package docker-registry)';
  else if (spawnSync('htpasswd', ['-h'], { stdio: 'ignore' }).status === null) reason = 'htpasswd is not installed (Debian package apache2-utils)';
  else if (spawnSync('podman', ['--version'], { stdio: 'ignore' }).status !== 0) reason = 'podman is not installed (Debian package podman)';
  return cannotRun('the registry tests', reason, reason?.startsWith('needs root') ? asRoot : install('registry'));
}

const skip = skipReason();
const dir = mkdtempSync(join(tmpdir(), 'jobdone-registry-'));
const registries: ChildProcess[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startRegistry(name: string, auth: string): Promise<string> {
  const port = await freePort();
  const config = join(dir, `${name}.yml`);
  writeFileSync(config, `version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: ${join(dir, name)}}}\nhttp: {addr: "127.0.0.1:${port}"}\n${auth}`);
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  registries.push(child);
  const address = `127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 300; attempt++) {
    const answered = await fetch(`http://${address}/v2/`).then(() => true, () => false);
    if (answered) return address;
    if (child.exitCode !== null) throw new Error(`docker-registry ${name} exited ${child.exitCode}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`docker-registry ${name} did not answer on ${address} within 30 s`);
}

const podmanArgs = (): string[] => ['--root', join(dir, 'storage'), '--runroot', join(dir, 'run'), '--storage-driver', 'vfs'];

async function podman(args: string[]): Promise<string> {
  const result = await run('podman', [...podmanArgs(), ...args], { env: { ...process.env, CONTAINERS_CONF: podmanConfig }, timeoutMs: 300_000 });
  if (result.code !== 0) throw new Error(`podman ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
  return result.stdout;
}

/** Builds a FROM scratch image with one small file and this image config, for `arch`. */
async function build(tag: string, config: string, arch = 'amd64'): Promise<void> {
  const context = mkdtempSync(join(dir, 'context-'));
  writeFileSync(join(context, 'hello.txt'), `${tag} ${arch}\n`);
  writeFileSync(join(context, 'Containerfile'), `FROM scratch\nCOPY hello.txt /hello.txt\n${config}\n`);
  await podman(['build', '--arch', arch, '--os', 'linux', '-t', tag, context]);
}

/** Pushes `tag` to `registry/name`, returning its manifest digest. */
async function push(tag: string, destination: string, creds?: string): Promise<string> {
  const digestFile = join(dir, `digest-${Math.random().toString(36).slice(2)}`);
  await podman(['push', '--tls-verify=false', '--digestfile', digestFile, ...(creds === undefined ? [] : ['--creds', creds]), tag, `docker://${destination}`]);
  return readFileSync(digestFile, 'utf8').trim();
}

let open = '';
let secured = '';
let digest = '';

describe('inject reads image commands from a real registry on loopback', { skip, timeout: 900_000 }, () => {
  before(async () => {
    mkdirSync(join(dir, 'auth'));
    const htpasswd = spawnSync('htpasswd', ['-Bbn', 'puller', 's3cret'], { encoding: 'utf8' });
    assert.equal(htpasswd.status, 0, htpasswd.stderr);
    writeFileSync(join(dir, 'auth', 'htpasswd'), htpasswd.stdout);
    open = await startRegistry('open', '');
    secured = await startRegistry('secured', `auth: {htpasswd: {realm: jobdone-test, path: ${join(dir, 'auth', 'htpasswd')}}}\n`);
    await build('local/ep-cmd', 'ENTRYPOINT ["/app/run", "--serve"]\nCMD ["--port", "80"]');
    digest = await push('local/ep-cmd', `${open}/team/ep-cmd:1.0`);
    await build('local/cmd-only', 'CMD ["/bin/sh", "-c", "echo hi"]');
    await push('local/cmd-only', `${open}/cmd-only:latest`);
    await build('local/multi-amd64', 'ENTRYPOINT ["/amd64/run"]', 'amd64');
    await build('local/multi-arm64', 'ENTRYPOINT ["/arm64/run"]', 'arm64');
    await podman(['manifest', 'create', 'local/multi']);
    await podman(['manifest', 'add', 'local/multi', 'containers-storage:localhost/local/multi-amd64']);
    await podman(['manifest', 'add', 'local/multi', 'containers-storage:localhost/local/multi-arm64']);
    await podman(['manifest', 'push', '--all', '--tls-verify=false', 'local/multi', `docker://${open}/multi:2`]);
    await build('local/private', 'ENTRYPOINT ["/private/run"]');
    await push('local/private', `${secured}/private:1`, 'puller:s3cret');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [secured]: { auth: Buffer.from('puller:s3cret').toString('base64') } } }));
  });

  after(() => {
    for (const child of registries) child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  const job = (name: string, container: string, extra = ''): string =>
    `---\napiVersion: batch/v1\nkind: Job\nmetadata: {name: ${name}}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n${extra}      containers:\n        - name: main\n${container}`;

  /** Each Job's main container argv as the kubelet makes it, given what each image holds. */
  function argv(text: string, images: Record<string, { entrypoint: string[]; cmd: string[] }>): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const doc of parseAllDocuments(text)) {
      const value = doc.toJS() as { metadata: { name: string }; spec: { template: { spec: { containers: Array<{ image: string; command?: string[]; args?: string[] }> } } } };
      const main = value.spec.template.spec.containers[0]!;
      const image = images[main.image]!;
      out[value.metadata.name] = main.command !== undefined ? [...main.command, ...(main.args ?? [])] : [...image.entrypoint, ...(main.args ?? image.cmd)];
    }
    return out;
  }

  it('ENTRYPOINT+CMD by tag and by digest, CMD only, a multi-arch index for amd64 and arm64, basic auth from a Docker config: argv exactly jobdone -- before', async () => {
    const images = {
      [`${open}/team/ep-cmd:1.0`]: { entrypoint: ['/app/run', '--serve'], cmd: ['--port', '80'] },
      [`${open}/team/ep-cmd@${digest}`]: { entrypoint: ['/app/run', '--serve'], cmd: ['--port', '80'] },
      [`${open}/cmd-only`]: { entrypoint: [], cmd: ['/bin/sh', '-c', 'echo hi'] },
      [`${open}/multi:2 amd64`]: { entrypoint: ['/amd64/run'], cmd: [] },
      [`${open}/multi:2 arm64`]: { entrypoint: ['/arm64/run'], cmd: [] },
      [`${secured}/private:1`]: { entrypoint: ['/private/run'], cmd: [] },
    };
    const input = [
      job('by-tag', `          image: ${open}/team/ep-cmd:1.0\n`),
      job('by-digest-with-args', `          image: ${open}/team/ep-cmd@${digest}\n          args: [--port, "9"]\n`),
      job('cmd-only', `          image: ${open}/cmd-only\n`),
      job('multi-amd64', `          image: ${open}/multi:2\n`),
      job('multi-arm64', `          image: ${open}/multi:2\n`, '      nodeSelector: {kubernetes.io/arch: arm64}\n'),
      job('private', `          image: ${secured}/private:1\n`),
    ].join('');
    const before = argv(input, {
      ...images, [`${open}/multi:2`]: images[`${open}/multi:2 amd64`]!,
    });
    before['multi-arm64'] = ['/arm64/run'];
    process.env.DOCKER_CONFIG = dir;
    const result = await inject(['--via', 'baked'], input).finally(() => { delete process.env.DOCKER_CONFIG; });
    assert.equal(result.code, 0, result.stderr);
    const after = argv(result.stdout, {});
    for (const [name, words] of Object.entries(before)) assert.deepEqual(after[name], ['/jobdone/jobdone', '--', ...words], name);
    assert.deepEqual(before['by-tag'], ['/app/run', '--serve', '--port', '80']);
    assert.deepEqual(before['by-digest-with-args'], ['/app/run', '--serve', '--port', '9']);
    assert.match(result.stderr, /command of main: [^\n]*\(from the image [^\n]*multi:2 \(linux\/arm64\)/);
  });

  it('without credentials the private image is one line naming it, the registry\'s 401 and the fix; nothing written', async () => {
    process.env.DOCKER_CONFIG = join(dir, 'nowhere');
    const result = await inject([], job('private', `          image: ${secured}/private:1\n`)).finally(() => { delete process.env.DOCKER_CONFIG; });
    assert.equal(result.code, 125);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, new RegExp(`cannot inject: container main has no command, and its image cannot be read: image ${secured}/private:1: ${secured} answered 401 UNAUTHORIZED for manifests 1; log in \\(docker login ${secured}\\)`));
  });

  it('--image-source podman reads the local engine\'s image (never pulls); a missing one is one line', async () => {
    const storage = join(dir, 'storage.conf');
    writeFileSync(storage, `[storage]\ndriver = "vfs"\ngraphroot = "${join(dir, 'storage')}"\nrunroot = "${join(dir, 'run')}"\n`);
    const saved = { storage: process.env.CONTAINERS_STORAGE_CONF, conf: process.env.CONTAINERS_CONF };
    process.env.CONTAINERS_STORAGE_CONF = storage;
    process.env.CONTAINERS_CONF = podmanConfig;
    try {
      const found = await inject(['--image-source', 'podman', '--via', 'baked'], job('local', '          image: localhost/local/cmd-only\n'));
      assert.equal(found.code, 0, found.stderr);
      assert.match(found.stdout, /command: \[\/jobdone\/jobdone, --, \/bin\/sh, -c, echo hi\]/);
      const missing = await inject(['--image-source', 'podman'], job('missing', '          image: localhost/not/there:1\n'));
      assert.equal(missing.code, 125);
      assert.match(missing.stderr, /image localhost\/not\/there:1: podman image inspect: .*\(inject does not pull: podman pull localhost\/not\/there:1 first\)/);
    } finally {
      for (const [key, value] of [['CONTAINERS_STORAGE_CONF', saved.storage], ['CONTAINERS_CONF', saved.conf]] as const) {
        if (value === undefined) delete process.env[key]; else process.env[key] = value;
      }
    }
  });

  it('an unreachable registry (refused, or one that never answers) is one line each, within 15 s', async () => {
    const refused = await freePort();
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as { port: number }).port;
    try {
      const started = Date.now();
      const result = await inject([], job('a', `          image: 127.0.0.1:${refused}/x:1\n`) + job('b', `          image: 127.0.0.1:${silentPort}/y:1\n`));
      const seconds = (Date.now() - started) / 1000;
      assert.equal(result.code, 125);
      const lines = result.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 3, result.stderr);
      assert.match(lines[0]!, new RegExp(`image 127.0.0.1:${refused}/x:1: cannot reach its registry 127.0.0.1:${refused} \\(ECONNREFUSED\\)`));
      assert.match(lines[1]!, new RegExp(`image 127.0.0.1:${silentPort}/y:1: no answer within 10s \\(--registry-timeout\\)`));
      assert.ok(seconds < 15, `${seconds} s`);
    } finally {
      silent.close();
    }
  });
});
