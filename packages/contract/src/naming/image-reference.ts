/**
 * Container image references, with the grammar of `github.com/distribution/reference`:
 * `[registry[:port]/]repository[:tag][@digest]`. IPv6 registry hosts are not accepted.
 *
 * The pattern is a string without backslashes or quotes so that the CRD can embed it in a CEL
 * rule unchanged: it means the same in ECMAScript and in RE2.
 */

const DOMAIN_COMPONENT = "[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?";
const DOMAIN = `${DOMAIN_COMPONENT}([.]${DOMAIN_COMPONENT})*(:[0-9]+)?`;
const PATH_COMPONENT = "[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*";
const TAG = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";

/** The name: `[registry[:port]/]repository`, the part the 255-character limit applies to. */
export const IMAGE_NAME_PATTERN = `^(${DOMAIN}/)?${PATH_COMPONENT}(/${PATH_COMPONENT})*`;
export const IMAGE_REFERENCE_PATTERN = `${IMAGE_NAME_PATTERN}(:${TAG})?(@${DIGEST})?$`;

/** Far above any real reference; bounds the work of the regular expression (and the CRD's CEL cost). */
export const IMAGE_REFERENCE_MAX_LENGTH = 1024;

/** The reference limits the name (registry and repository) to 255 characters. */
export const IMAGE_NAME_MAX_LENGTH = 255;

const IMAGE_REFERENCE = new RegExp(IMAGE_REFERENCE_PATTERN);
const DIGEST_ONLY = new RegExp(`^${DIGEST}$`);
const WHITESPACE = /\s/;

/** Quoted, and shortened so that an error message stays readable. */
function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

export interface ImageReference {
  /** `registry[:port]` when the first path component looks like a host (has `.` or `:`, or is `localhost`). */
  registry?: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export type ParseImageReferenceResult = { ok: true; value: ImageReference } | { ok: false; error: string };

/** Parses an image reference; the error says what is wrong in words a user can act on. */
export function parseImageReference(reference: string): ParseImageReferenceResult {
  if (reference === "") return { ok: false, error: "must not be empty" };
  if (WHITESPACE.test(reference)) return { ok: false, error: "must not contain whitespace" };
  if (reference.length > IMAGE_REFERENCE_MAX_LENGTH) {
    return {
      ok: false,
      error: `is ${reference.length} characters long, at most ${IMAGE_REFERENCE_MAX_LENGTH} are allowed`,
    };
  }
  const at = reference.indexOf("@");
  const beforeDigest = at === -1 ? reference : reference.slice(0, at);
  const digest = at === -1 ? undefined : reference.slice(at + 1);
  const lastSlash = beforeDigest.lastIndexOf("/");
  const tagColon = beforeDigest.indexOf(":", lastSlash + 1);
  const name = tagColon === -1 ? beforeDigest : beforeDigest.slice(0, tagColon);
  const tag = tagColon === -1 ? undefined : beforeDigest.slice(tagColon + 1);
  const firstSlash = name.indexOf("/");
  const first = firstSlash === -1 ? "" : name.slice(0, firstSlash);
  const hasRegistry = first !== "" && (first.includes(".") || first.includes(":") || first === "localhost");
  const repository = hasRegistry ? name.slice(firstSlash + 1) : name;

  if (!IMAGE_REFERENCE.test(reference)) {
    if (/[A-Z]/.test(repository)) {
      return { ok: false, error: `repository ${quote(repository)} must be lower case` };
    }
    if (tag === "") return { ok: false, error: "tag after ':' must not be empty" };
    if (digest !== undefined && !DIGEST_ONLY.test(digest)) {
      return {
        ok: false,
        error: `digest ${quote(digest)} must look like <algorithm>:<hex, at least 32 digits>`,
      };
    }
    return { ok: false, error: "must look like [registry[:port]/]repository[:tag][@digest]" };
  }
  if (name.length > IMAGE_NAME_MAX_LENGTH) {
    return {
      ok: false,
      error: `name ${quote(name)} is ${name.length} characters long, at most ${IMAGE_NAME_MAX_LENGTH} are allowed`,
    };
  }
  const value: ImageReference = { repository };
  if (hasRegistry) value.registry = first;
  if (tag !== undefined) value.tag = tag;
  if (digest !== undefined) value.digest = digest;
  return { ok: true, value };
}
