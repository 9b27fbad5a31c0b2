// Registry credentials where Docker keeps them: $DOCKER_CONFIG/config.json, else
// ~/.docker/config.json (https://docs.docker.com/reference/cli/docker/#configuration-files):
// `auths` entries (base64 user:password in `auth`, or username/password), and credential
// helpers (`credHelpers` per registry, `credsStore` for all), each a program
// docker-credential-NAME that answers `get` with {"Username", "Secret"} for the server on
// its stdin (https://github.com/docker/docker-credential-helpers#development).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Credentials {
  username: string;
  password: string;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

function readConfig(path: string): DockerConfig {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return typeof parsed === 'object' && parsed !== null ? parsed as DockerConfig : {};
  } catch {
    return {};
  }
}

/** The keys a config may file a registry under: docker login writes the bare host; older ones a URL. */
function keysFor(authKey: string): string[] {
  return [authKey, `https://${authKey}`, `http://${authKey}`, `https://${authKey}/v1/`, `https://${authKey}/v2/`];
}

export function credentialsFor(authKey: string, env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  const config = readConfig(dockerConfigPath(env));
  const helper = config.credHelpers?.[authKey] ?? config.credsStore;
  if (helper !== undefined) {
    const fromHelper = askHelper(helper, authKey);
    if (fromHelper !== undefined) return fromHelper;
  }
  for (const key of keysFor(authKey)) {
    const entry = config.auths?.[key];
    if (entry === undefined) continue;
    if (entry.username !== undefined && entry.password !== undefined) return { username: entry.username, password: entry.password };
    if (entry.auth !== undefined) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
  }
  return undefined;
}

/** A helper that is missing, fails or has nothing for this registry gives no credentials. */
function askHelper(helper: string, server: string): Credentials | undefined {
  try {
    const out = execFileSync(`docker-credential-${helper}`, ['get'], { input: server, timeout: 5000, stdio: ['pipe', 'pipe', 'ignore'] }).toString('utf8');
    const answer = JSON.parse(out) as { Username?: string; Secret?: string };
    return answer.Username !== undefined && answer.Secret !== undefined ? { username: answer.Username, password: answer.Secret } : undefined;
  } catch {
    return undefined;
  }
}
