export type { RenderContext } from "./render-context.ts";
export { RenderError, type RenderErrorOptions } from "./render-error.ts";
export { RENDER_PROBLEM_TYPES, type RenderProblem, type RenderProblemType } from "@openmcp-ts/contract";
export { renderInitObjects, type InitObjects } from "./render-init-objects.ts";
export { renderRunObjects, type RunObjects } from "./render-run-objects.ts";
export { computeInitHash } from "./compute-init-hash.ts";
export { renderedObjectsInOrder, type RenderedObject } from "./rendered-objects-in-order.ts";
export {
  controllerLabels,
  controllerOwnerReference,
  initLabels,
  providerLabels,
  type ProviderComponent,
} from "./provider-labels.ts";
export { toYaml, toYamlStream } from "@openmcp-ts/contract";
