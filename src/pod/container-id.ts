// A short name for a container, for log lines: the runtime's container id where the cgroup path
// has one (12 characters, as `docker ps` and `crictl ps` print it), else the last path element,
// else a stable hash of the whole cgroup file.

// Plain string code, no regular expressions: V8 compiles each one on its first use, which
// cost about 20 ms of an emulated (qemu-user) start for these two.
const runtimePrefixes = ['docker-', 'cri-containerd-', 'crio-', 'libpod-', 'containerd-'];

export function shortContainerId(cgroup: string): string {
  const paths = cgroupLines(cgroup);
  for (const { path } of paths) {
    const id = firstHex64(path);
    if (id !== undefined) return id.slice(0, 12);
  }
  // Prefer the unified (v2) line; on v1 the first line with a meaningful last element.
  const ordered = [...paths.filter((l) => l.hierarchy === '0'), ...paths.filter((l) => l.hierarchy !== '0')];
  for (const { path } of ordered) {
    const name = lastElement(path);
    if (name !== undefined) return name.slice(0, 12);
  }
  return `cg-${fnv1a(cgroup)}`;
}

/** Short ids made unique: a collision gets a hash of its whole cgroup file appended. */
export function uniqueShortIds(cgroups: readonly string[]): Map<string, string> {
  const ids = new Map<string, string>();
  const count = new Map<string, number>();
  for (const cgroup of cgroups) {
    const id = shortContainerId(cgroup);
    ids.set(cgroup, id);
    count.set(id, (count.get(id) ?? 0) + 1);
  }
  for (const [cgroup, id] of ids) {
    if ((count.get(id) ?? 0) > 1) ids.set(cgroup, `${id}-${fnv1a(cgroup).slice(0, 4)}`);
  }
  return ids;
}

function cgroupLines(cgroup: string): { hierarchy: string; path: string }[] {
  const lines: { hierarchy: string; path: string }[] = [];
  for (const line of cgroup.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    lines.push({ hierarchy: line.slice(0, first), path: line.slice(second + 1) });
  }
  return lines;
}

/** The first run of 64 lowercase hex digits, as /[0-9a-f]{64}/ finds it. */
function firstHex64(path: string): string | undefined {
  let run = 0;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    run = (c >= 48 && c <= 57) || (c >= 97 && c <= 102) ? run + 1 : 0;
    if (run === 64) return path.slice(i - 63, i + 1);
  }
  return undefined;
}

function lastElement(path: string): string | undefined {
  let element = path.slice(path.lastIndexOf('/') + 1);
  if (element.endsWith('.scope')) element = element.slice(0, -'.scope'.length);
  const prefix = runtimePrefixes.find((p) => element.startsWith(p));
  if (prefix !== undefined) element = element.slice(prefix.length);
  return element === '' || element === '.' || element === '..' ? undefined : element;
}

function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
