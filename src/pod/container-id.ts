// A short name for a container, for log lines: the runtime's container id where the cgroup path
// has one (12 characters, as `docker ps` and `crictl ps` print it), else the last path element,
// else a stable hash of the whole cgroup file.

const hex64 = /[0-9a-f]{64}/;
const runtimePrefix = /^(?:docker|cri-containerd|crio|libpod|containerd)-/;

export function shortContainerId(cgroup: string): string {
  const paths = cgroupLines(cgroup);
  for (const { path } of paths) {
    const id = hex64.exec(path);
    if (id !== null) return id[0].slice(0, 12);
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

function lastElement(path: string): string | undefined {
  const element = path.slice(path.lastIndexOf('/') + 1).replace(/\.scope$/, '').replace(runtimePrefix, '');
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
