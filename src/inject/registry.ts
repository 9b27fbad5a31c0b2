// Reads an image's ENTRYPOINT and CMD from its registry with the OCI distribution API
// (https://github.com/opencontainers/distribution-spec/blob/main/spec.md): the manifest by tag
// or digest; for an image index (multi-arch), the manifest of the wanted platform; then the
// config blob, whose `config` has Entrypoint and Cmd
// (https://github.com/opencontainers/image-spec/blob/main/config.md). A 401 names how to log
// in (WWW-Authenticate): Bearer gets a token from the realm, anonymously as public registries
// allow or with the Docker config's credentials (https://distribution.github.io/distribution/spec/auth/token/);
// Basic sends the credentials. Node's fetch only: no registry client is needed for three reads.
import type { ImageCommand } from './command.ts';
import { credentialsFor, type Credentials } from './docker-auth.ts';
import { isLoopbackRegistry, type ImageRef } from './image-ref.ts';

const manifestTypes = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export class RegistryError extends Error {}

interface Session {
  ref: ImageRef;
  base: string;
  signal: AbortSignal;
  authorization: string | undefined;
  credentials: () => Credentials | undefined;
}

/** Entrypoint and Cmd of `ref` for `platform` (os/arch); throws RegistryError with the reason. */
export async function readImageCommand(ref: ImageRef, platform: string, signal: AbortSignal, env: NodeJS.ProcessEnv = process.env): Promise<ImageCommand> {
  const scheme = isLoopbackRegistry(ref.registry) ? 'http' : 'https';
  let cached: { value: Credentials | undefined } | undefined;
  const session: Session = {
    ref, signal, authorization: undefined,
    base: `${scheme}://${ref.registry}/v2/${ref.repository}`,
    credentials: () => (cached ??= { value: credentialsFor(ref.authKey, env) }).value,
  };
  let manifest = await getJson(session, `/manifests/${ref.reference}`, manifestTypes);
  if (Array.isArray(manifest.manifests)) {
    const [os, arch] = platform.split('/');
    const entries = manifest.manifests as Array<{ digest?: string; platform?: { os?: string; architecture?: string } }>;
    const entry = entries.find((item) => item.platform?.os === os && item.platform?.architecture === arch);
    if (entry?.digest === undefined) {
      const offered = entries.map((item) => `${item.platform?.os}/${item.platform?.architecture}`).join(', ');
      throw new RegistryError(`no ${platform} image in its index (it has ${offered}); set --platform or the pod's nodeSelector kubernetes.io/arch`);
    }
    manifest = await getJson(session, `/manifests/${entry.digest}`, manifestTypes);
  }
  const digest = (manifest.config as { digest?: unknown } | undefined)?.digest;
  if (typeof digest !== 'string') throw new RegistryError('its manifest names no config blob (a schema 1 image?)');
  const config = (await getJson(session, `/blobs/${digest}`, '*/*')).config as { Entrypoint?: unknown; Cmd?: unknown } | undefined;
  const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
  return { entrypoint: list(config?.Entrypoint), cmd: list(config?.Cmd) };
}

async function getJson(session: Session, path: string, accept: string): Promise<Record<string, unknown>> {
  let response = await get(session, path, accept);
  if (response.status === 401 && session.authorization === undefined) {
    session.authorization = await authorize(session, response.headers.get('www-authenticate') ?? '');
    response = await get(session, path, accept);
  }
  if (!response.ok) {
    const body = await response.text().catch(() => '');
    const code = /"code"\s*:\s*"([A-Z_]+)"/.exec(body)?.[1];
    const login = response.status === 401 || response.status === 403 ? `; log in (docker login ${session.ref.authKey.replace(/^https:\/\/index\.docker\.io\/v1\/$/, 'docker.io')}) so that ${session.credentials() === undefined ? 'the Docker config file has credentials' : 'its credentials are allowed'}` : '';
    throw new RegistryError(`${session.ref.registry} answered ${response.status}${code === undefined ? '' : ` ${code}`} for ${path.split('/')[1]} ${path.split('/')[2]}${login}`);
  }
  try {
    return await response.json() as Record<string, unknown>;
  } catch {
    throw new RegistryError(`${session.ref.registry} sent something that is not JSON for ${path}`);
  }
}

function get(session: Session, path: string, accept: string): Promise<Response> {
  const headers: Record<string, string> = { accept };
  if (session.authorization !== undefined) headers.authorization = session.authorization;
  return fetch(`${session.base}${path}`, { headers, signal: session.signal, redirect: 'follow' });
}

/** The Authorization header a 401's challenge asks for. */
async function authorize(session: Session, challenge: string): Promise<string | undefined> {
  const scheme = /^\s*(\w+)/.exec(challenge)?.[1]?.toLowerCase();
  const credentials = session.credentials();
  const basic = credentials === undefined ? undefined : `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  if (scheme === 'basic') return basic;
  if (scheme !== 'bearer') return undefined;
  const params = new Map([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1]!.toLowerCase(), match[2]!]));
  const realm = params.get('realm');
  if (realm === undefined) return undefined;
  const url = new URL(realm);
  if (params.has('service')) url.searchParams.set('service', params.get('service')!);
  url.searchParams.set('scope', params.get('scope') ?? `repository:${session.ref.repository}:pull`);
  const response = await fetch(url, { headers: basic === undefined ? {} : { authorization: basic }, signal: session.signal });
  if (!response.ok) throw new RegistryError(`its token service ${url.host} answered ${response.status}${credentials === undefined ? ' (no credentials for it in the Docker config file)' : ''}`);
  const body = await response.json() as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  return token === undefined ? undefined : `Bearer ${token}`;
}
