import {
  CLUSTER_SCOPED_NAME_PREFIX,
  PROVIDER_KIND_INFO,
  PROVIDER_KINDS,
  type ProviderKind,
} from "../constants.ts";
import { DNS1123_LABEL_MAX_LENGTH } from "./kube-names.ts";
import { shake128 } from "./shake128.ts";

const BASE32_LOWER = "abcdefghijklmnopqrstuvwxyz234567";

/** RFC 4648 base32 with the lower-case alphabet and no padding, as the reference uses it. */
export function base32Lower(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_LOWER[(buffer >> (bits - 5)) & 31]!;
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_LOWER[(buffer << (5 - bits)) & 31]!;
  return out;
}

/**
 * A 128-bit SHAKE128 hash of `text` in 26 base32 characters, for annotations that record what an
 * object was made from: collisions are out of the question, and the value is only ever compared.
 */
export function contentHash(text: string): string {
  return base32Lower(shake128(text, 16));
}

/** The 8-character hash the reference appends to shortened names. */
export function nameHash(input: string): string {
  return base32Lower(shake128(input, 5));
}

/**
 * The reference's `ShortenToXCharacters`: names that fit stay as they are; longer ones keep a
 * prefix, lose trailing `-`/`.`, and end in `--<hash>` so that they stay unique and stable.
 */
export function shortenName(input: string, maxLength: number): string {
  if (input.length <= maxLength) return input;
  const keep = maxLength - 10;
  if (keep <= 0) {
    throw new Error(`cannot shorten name "${input}" to ${maxLength} characters: at least 11 are needed`);
  }
  return `${input.slice(0, keep).replace(/[-.]+$/, "")}--${nameHash(input)}`;
}

/** A stable UUID (version 8) derived from the parts, as `K8sNameUUID` in the reference. */
export function k8sNameUuid(...parts: string[]): string {
  const b = shake128(parts.join("/"), 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Names of everything generated for one provider. All live in the system namespace unless cluster-scoped. */
export interface ProviderObjectNames {
  /** `<p>-<name>`: run ServiceAccount, Deployment, run container, topology label value. */
  run: string;
  /** `<p>-<name>-init`: init ServiceAccount, Job, Role, RoleBinding. */
  init: string;
  /** `openmcp.cloud:<p>-<name>`: run ClusterRoleBinding. */
  runClusterRoleBinding: string;
  /** `openmcp.cloud:<p>-<name>-init`: init ClusterRoleBinding. */
  initClusterRoleBinding: string;
  /** Shortened to fit 63 characters. */
  metricsService: string;
  /** Looked up, never created; note: no kind prefix, as in the reference. */
  webhookSecret: string;
}

export function providerObjectNames(kind: ProviderKind, name: string): ProviderObjectNames {
  const run = `${PROVIDER_KIND_INFO[kind].prefix}-${name}`.toLowerCase();
  return {
    run,
    init: `${run}${INIT_SUFFIX}`,
    runClusterRoleBinding: `${CLUSTER_SCOPED_NAME_PREFIX}${run}`,
    initClusterRoleBinding: `${CLUSTER_SCOPED_NAME_PREFIX}${run}-init`,
    metricsService: `${shortenName(run, 55)}-metrics`,
    webhookSecret: webhookSecretName(name),
  };
}

export function webhookSecretName(providerName: string): string {
  return `${shortenName(providerName, 63 - "-webhook-tls".length)}-webhook-tls`;
}

/** `StableRequestNameFromLocalName`: the name of a provider's own ClusterRequest/AccessRequest. */
export function stableRequestName(controllerName: string, localName: string): string {
  return shortenName(`${controllerName}--${localName}`.toLowerCase(), 63);
}

export function stableMcpNamespace(name: string, namespace: string): string {
  return `mcp--${k8sNameUuid(namespace, name)}`;
}

const INIT_SUFFIX = "-init";

/**
 * The longest provider name whose generated objects all get valid names: the init Job
 * `<p>-<name>-init` must fit a DNS-1123 label (63). The run container `<p>-<name>` and the label
 * values are shorter; metrics Service and webhook Secret names are shortened by design.
 * Without a kind, the limit that holds for every kind.
 */
export function maxProviderNameLength(kind?: ProviderKind): number {
  const kinds = kind === undefined ? PROVIDER_KINDS : [kind];
  return Math.min(
    ...kinds.map(
      (k) => DNS1123_LABEL_MAX_LENGTH - PROVIDER_KIND_INFO[k].prefix.length - 1 - INIT_SUFFIX.length,
    ),
  );
}
