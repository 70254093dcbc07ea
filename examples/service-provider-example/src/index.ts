export * from "./example-crd.ts";
export * from "./example-provider.ts";
export * from "./reconcile-example.ts";
