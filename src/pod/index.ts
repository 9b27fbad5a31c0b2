export { buildPod, shellComms } from './pod.ts';
export type { Container, Pod, PodIdentity, Role } from './pod.ts';
export { shortContainerId, uniqueShortIds } from './container-id.ts';
