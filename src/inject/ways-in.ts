// How jobdone gets into the pod (--via): the edits for an init container that copies it into
// an emptyDir, an image volume, or nothing (baked into the image). The init container meets
// Pod Security "restricted" (https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted):
// it runs as the image's non-root user, cannot gain privileges, drops every capability,
// uses the runtime's default seccomp profile and a read-only root (it writes only into the
// emptyDir, which Kubernetes creates world-writable). Where the pod's containers declare
// resources (a quota in the namespace often demands them), it declares small ones too.
import { at, isMap, type Container, type Edit, type Path } from './json.ts';
import type { InjectOptions } from './options.ts';
import { defaultImage } from './options.ts';

export const volumeName = 'jobdone';
export const initContainerName = 'install-jobdone';
/** Where the init container mounts the emptyDir: not /jobdone, where the image's own copy lives. */
export const installDir = '/install';
/** The jobdone image's user (Dockerfile: USER 65532, the "nonroot" uid of distroless images). */
export const imageUser = 65532;

export const initSecurityContext = {
  runAsNonRoot: true,
  runAsUser: imageUser,
  runAsGroup: imageUser,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** Enough to copy ~100 MB from the image into the emptyDir (page cache is reclaimed within the limit). */
export function initResources(containers: readonly Container[]): Record<string, unknown> | undefined {
  const declared = containers.map((container) => (isMap(container.resources) ? container.resources : {}));
  const requests = declared.some((resources) => isMap(resources.requests) && Object.keys(resources.requests).length > 0);
  const limits = declared.some((resources) => isMap(resources.limits) && Object.keys(resources.limits).length > 0);
  if (!requests && !limits) return undefined;
  const small = { cpu: '50m', memory: '64Mi' };
  return { requests: small, ...(limits ? { limits: { cpu: '200m', memory: '64Mi' } } : {}) };
}

/** Said in every note while the image is the default one, which no registry has. */
export function imageHint(options: InjectOptions): string {
  return options.image === defaultImage ? `; ${defaultImage} is not published: build and push it and name it with --image (docs/inject.md)` : '';
}

export interface WaysInInput {
  doc: unknown;
  spec: Path;
  mainPath: Path;
  main: Container;
  mainName: string;
  containers: readonly Container[];
}

export function waysIn(input: WaysInInput, options: InjectOptions, note: (line: string) => void): Edit[] | { problem: string } {
  const { doc, spec, mainPath, main, mainName } = input;
  if (options.via === 'baked') {
    note('--via baked: the image already has /jobdone/jobdone; no volume added');
    return [];
  }
  const volumes = at(doc, [...spec, 'volumes']);
  if (Array.isArray(volumes) && volumes.some((volume) => isMap(volume) && volume.name === volumeName)) {
    return { problem: `the pod already has a volume named ${volumeName}; rename it, or use --via baked if it holds jobdone` };
  }
  const mounts = Array.isArray(main.volumeMounts) ? main.volumeMounts : [];
  if (mounts.some((mount) => isMap(mount) && typeof mount.mountPath === 'string' && mount.mountPath.replace(/\/+$/, '') === '/jobdone')) {
    return { problem: `container ${mainName} already mounts something at /jobdone; use --via baked if that is jobdone` };
  }
  if (options.via === 'image-volume') {
    // The image holds /jobdone at its root; subPath mounts that folder where its ELF interpreter path points.
    note(`--via image-volume: image volume ${volumeName} (${options.image}), its jobdone/ folder mounted read-only at /jobdone in ${mainName} (needs the ImageVolume feature, Kubernetes 1.33+)${imageHint(options)}`);
    return [
      { op: 'append', path: [...spec, 'volumes'], value: { name: volumeName, image: { reference: options.image, pullPolicy: 'IfNotPresent' } } },
      { op: 'append', path: [...mainPath, 'volumeMounts'], value: { name: volumeName, mountPath: '/jobdone', subPath: 'jobdone', readOnly: true } },
    ];
  }
  const inits = at(doc, [...spec, 'initContainers']);
  if (Array.isArray(inits) && inits.some((init) => isMap(init) && init.name === initContainerName)) {
    return { problem: `the pod already has an initContainer named ${initContainerName}; rename it` };
  }
  const resources = initResources([...input.containers, ...(Array.isArray(inits) ? inits.filter(isMap) as Container[] : [])]);
  const init = {
    name: initContainerName, image: options.image, args: ['install', installDir],
    volumeMounts: [{ name: volumeName, mountPath: installDir }],
    securityContext: initSecurityContext,
    ...(resources === undefined ? {} : { resources }),
  };
  note(`--via init: initContainer ${initContainerName} (${options.image}, Pod Security "restricted"${resources === undefined ? '' : ', small resources as the pod declares them'}) runs jobdone install ${installDir} into emptyDir volume ${volumeName}, mounted read-only at /jobdone in ${mainName}${imageHint(options)}`);
  return [
    { op: 'append', path: [...spec, 'volumes'], value: { name: volumeName, emptyDir: {} } },
    // First: jobdone is in place before any other init container or native sidecar starts.
    { op: 'append', path: [...spec, 'initContainers'], value: init, first: true },
    { op: 'append', path: [...mainPath, 'volumeMounts'], value: { name: volumeName, mountPath: '/jobdone', readOnly: true } },
  ];
}
