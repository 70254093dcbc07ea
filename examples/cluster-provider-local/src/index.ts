export * from "./access-objects.ts";
export * from "./cluster-provider-local.ts";
