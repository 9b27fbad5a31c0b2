// An image reference as the kubelet and Docker read it (distribution/reference's normalisation,
// https://github.com/distribution/reference/blob/main/normalize.go): no registry means Docker
// Hub, whose one-word names live under library/; a first part with a dot or a port, or
// `localhost`, is a registry; no tag means `latest`; `@sha256:...` pins a digest.
export interface ImageRef {
  /** As the manifest spells it. */
  text: string;
  /** Host and port, e.g. registry-1.docker.io, 127.0.0.1:5000. */
  registry: string;
  /** The name the config file's auths use for it (docker.io is "https://index.docker.io/v1/"). */
  authKey: string;
  repository: string;
  /** A tag or a digest. */
  reference: string;
}

export function parseImageRef(text: string): ImageRef | undefined {
  if (!/^[a-zA-Z0-9][\w.\-/:@]*$/.test(text)) return undefined;
  const at = text.indexOf('@');
  const digest = at === -1 ? undefined : text.slice(at + 1);
  if (digest !== undefined && !/^[a-z0-9]+:[a-f0-9]{32,}$/.test(digest)) return undefined;
  let rest = at === -1 ? text : text.slice(0, at);
  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  const hasRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  let registry = 'docker.io';
  if (hasRegistry) {
    registry = first;
    rest = rest.slice(slash + 1);
  }
  const colon = rest.lastIndexOf(':');
  const tag = colon === -1 ? undefined : rest.slice(colon + 1);
  let repository = colon === -1 ? rest : rest.slice(0, colon);
  if (repository === '' || /[A-Z]/.test(repository) || (tag !== undefined && !/^\w[\w.-]{0,127}$/.test(tag))) return undefined;
  const hub = registry === 'docker.io' || registry === 'index.docker.io';
  if (hub && !repository.includes('/')) repository = `library/${repository}`;
  return {
    text,
    registry: hub ? 'registry-1.docker.io' : registry,
    authKey: hub ? 'https://index.docker.io/v1/' : registry,
    repository,
    reference: digest ?? tag ?? 'latest',
  };
}

/** Docker talks plain HTTP to registries on loopback (127.0.0.0/8 and localhost are insecure registries by default). */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
