/**
 * The one place for defaults the CRD schema cannot hold: the reference keeps them in Go code, and
 * as schema defaults the API server would write them into every stored object (and into the
 * reference's objects through our CRDs). All other defaults are `default` in the schema.
 */
export const CODE_DEFAULTS = {
  initCommand: ["init"],
  runCommand: ["run"],
  metrics: { port: 8080, path: "/metrics" },
} as const;
