import {
  CLUSTERS_GROUP,
  CRD_CATEGORY,
  GROUP,
  LABEL_CLUSTER,
  PROVIDER_KIND_INFO,
  PROVIDER_KINDS,
  VERSION,
  type ProviderKind,
} from "../constants.ts";
import {
  accessRequestSchema,
  clusterRequestSchema,
  providerSchema,
  type JsonSchemaProps,
} from "./crd-schema.ts";
import { toYaml } from "../to-yaml.ts";

export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface CustomResourceDefinitionVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema: { openAPIV3Schema: JsonSchemaProps };
  subresources?: { status?: Record<string, never> };
  additionalPrinterColumns?: PrinterColumn[];
  selectableFields?: { jsonPath: string }[];
}

export interface CustomResourceDefinition {
  apiVersion: "apiextensions.k8s.io/v1";
  kind: "CustomResourceDefinition";
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames?: string[];
      categories?: string[];
    };
    scope: "Cluster" | "Namespaced";
    versions: CustomResourceDefinitionVersion[];
  };
}

/** Label value that routes a CRD to the platform cluster (the reference's CRD installer needs it). */
export const CRD_CLUSTER_PLATFORM = "platform";

interface CrdOptions {
  group: string;
  kind: string;
  plural: string;
  singular: string;
  scope: "Cluster" | "Namespaced";
  shortNames: readonly string[];
  categories: readonly string[];
  schema: JsonSchemaProps;
  printerColumns: PrinterColumn[];
  selectableFields: string[];
}

/** One served and stored version, the status subresource only, routed to the platform cluster. */
function buildCrd(o: CrdOptions): CustomResourceDefinition {
  const names: CustomResourceDefinition["spec"]["names"] = {
    kind: o.kind,
    listKind: `${o.kind}List`,
    plural: o.plural,
    singular: o.singular,
  };
  if (o.shortNames.length > 0) names.shortNames = [...o.shortNames];
  if (o.categories.length > 0) names.categories = [...o.categories];
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${o.plural}.${o.group}`, labels: { [LABEL_CLUSTER]: CRD_CLUSTER_PLATFORM } },
    spec: {
      group: o.group,
      names,
      scope: o.scope,
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: o.printerColumns.map((column) => ({ ...column })),
          selectableFields: o.selectableFields.map((jsonPath) => ({ jsonPath })),
          schema: { openAPIV3Schema: o.schema },
        },
      ],
    },
  };
}

const PHASE_COLUMN: PrinterColumn = { name: "Phase", type: "string", jsonPath: ".status.phase" };
const AGE_COLUMN: PrinterColumn = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" };

/** The CRD of one provider kind. */
export function providerCrd(kind: ProviderKind): CustomResourceDefinition {
  const info = PROVIDER_KIND_INFO[kind];
  return buildCrd({
    group: GROUP,
    kind,
    plural: info.plural,
    singular: info.singular,
    scope: "Cluster",
    shortNames: info.shortNames,
    categories: [CRD_CATEGORY],
    schema: providerSchema(kind),
    printerColumns: [
      PHASE_COLUMN,
      { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      // Long references would crowd `kubectl get`; `-o wide` shows them.
      { name: "Image", type: "string", jsonPath: ".spec.image", priority: 1 },
      AGE_COLUMN,
    ],
    selectableFields: [".status.phase"],
  });
}

/** The CRDs of all three provider kinds, in PROVIDER_KINDS order. */
export function providerCrds(): CustomResourceDefinition[] {
  return PROVIDER_KINDS.map(providerCrd);
}

export function clusterRequestCrd(): CustomResourceDefinition {
  return buildCrd({
    group: CLUSTERS_GROUP,
    kind: "ClusterRequest",
    plural: "clusterrequests",
    singular: "clusterrequest",
    scope: "Namespaced",
    shortNames: ["cr", "creq"],
    categories: [],
    schema: clusterRequestSchema(),
    printerColumns: [
      { name: "Purpose", type: "string", jsonPath: ".spec.purpose" },
      PHASE_COLUMN,
      { name: "Cluster", type: "string", jsonPath: ".status.cluster.name" },
      { name: "Cluster-NS", type: "string", jsonPath: ".status.cluster.namespace" },
      AGE_COLUMN,
    ],
    selectableFields: [".spec.purpose", ".status.phase"],
  });
}

export function accessRequestCrd(): CustomResourceDefinition {
  return buildCrd({
    group: CLUSTERS_GROUP,
    kind: "AccessRequest",
    plural: "accessrequests",
    singular: "accessrequest",
    scope: "Namespaced",
    shortNames: ["ar", "areq"],
    categories: [],
    schema: accessRequestSchema(),
    printerColumns: [PHASE_COLUMN, AGE_COLUMN],
    selectableFields: [".status.phase"],
  });
}

/** Every CRD this project ships: the three provider kinds, then ClusterRequest and AccessRequest. */
export function allCrds(): CustomResourceDefinition[] {
  return [...providerCrds(), clusterRequestCrd(), accessRequestCrd()];
}

/** `<group>_<plural>.yaml`, the file name under deploy/crds. */
export function crdFileName(crd: CustomResourceDefinition): string {
  return `${crd.spec.group}_${crd.spec.names.plural}.yaml`;
}

/** The exact content of a CRD file under deploy/crds. */
export function renderCrdFile(crd: CustomResourceDefinition): string {
  return `# Generated by scripts/generate-crds.ts from packages/contract/src/schema/crd-schema.ts; do not edit.\n${toYaml(crd)}`;
}
