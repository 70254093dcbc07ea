import type { Condition, Provider } from "@openmcp-ts/contract";

/** For tests: a ServiceProvider at `generation` whose status has these conditions (False/R unless said). */
export function providerWithConditions(
  conditions: Partial<Condition>[],
  generation: number,
  observedGeneration = generation,
): Provider {
  return {
    apiVersion: "openmcp.cloud/v1alpha1",
    kind: "ServiceProvider",
    metadata: { name: "x", generation },
    spec: { image: "i:v1" },
    status: {
      observedGeneration,
      conditions: conditions.map((c) => ({
        type: "Ready",
        status: "False",
        reason: "R",
        message: "",
        lastTransitionTime: "2026-12-01T00:00:00Z",
        ...c,
      })),
    },
  };
}
