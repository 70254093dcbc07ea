export * from "./constants.ts";
export type * from "./kube-types.ts";
export type * from "./provider-types.ts";
export * from "./naming.ts";
export * from "./shake128.ts";
export * from "./to-yaml.ts";
