// Docker's and containerd's default capability set (moby oci/caps/defaults.go,
// containerd oci/spec.go). Kubernetes adds nothing to it by default.
export const DEFAULT_CONTAINER_CAPABILITIES = [
  'CHOWN',
  'DAC_OVERRIDE',
  'FSETID',
  'FOWNER',
  'MKNOD',
  'NET_RAW',
  'SETGID',
  'SETUID',
  'SETFCAP',
  'SETPCAP',
  'NET_BIND_SERVICE',
  'SYS_CHROOT',
  'KILL',
  'AUDIT_WRITE',
] as const;

/** Accepts Kubernetes' spelling (`KILL`) and the kernel's (`CAP_KILL`), any case. */
export function normalizeCapability(name: string): string {
  const bare = name.toUpperCase().replace(/^CAP_/, '');
  if (!/^[A-Z_]+$/.test(bare)) throw new Error(`invalid capability name ${JSON.stringify(name)}`);
  return bare;
}

/**
 * setpriv's --bounding-set argument. For root, exec turns the bounding set into the permitted
 * and effective sets (root's file capabilities count as full), as a runtime does; for any other
 * UID setresuid has already cleared them, so the container runs with no effective capabilities.
 */
export function boundingSetArgument(add: readonly string[] = [], drop: readonly string[] = []): string {
  const dropped = new Set(drop.map(normalizeCapability));
  const kept = new Set([...DEFAULT_CONTAINER_CAPABILITIES, ...add.map(normalizeCapability)]);
  const caps = [...kept].filter((cap) => !dropped.has(cap));
  return ['-all', ...caps.map((cap) => `+${cap.toLowerCase()}`)].join(',');
}
