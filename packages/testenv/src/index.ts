export {
  startControlPlane,
  adminGet,
  freePort,
  tokenKubeconfig,
  type ControlPlane,
  type ControlPlaneOptions,
} from "./control-plane.ts";
export {
  ensureBinaries,
  resolveBinaries,
  resolveBinary,
  cacheDir,
  withBuildLock,
  runGo,
  type ResolvedBinary,
} from "./binaries.ts";
export {
  BEHAVIOR_ANNOTATION,
  BEHAVIOR_ENV,
  INIT_BEHAVIOR_ENV,
  RUN_BEHAVIOR_ENV,
  POD_BEHAVIORS,
  type PodBehavior,
} from "./kwok-stages.ts";
export * from "./versions.ts";
export { eventually } from "./eventually.ts";
export { startTcpProxy, kubeconfigThrough, type TcpProxy } from "./tcp-proxy.ts";
export { startRegistry, type Registry, type RegistryOptions } from "./registry.ts";
