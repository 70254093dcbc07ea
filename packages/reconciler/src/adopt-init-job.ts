import { ANNOTATION_INIT_HASH, ANNOTATION_PROVIDER_IMAGE, type Job } from "@openmcp-ts/contract";
import { liveMatches } from "./live-matches.ts";

/**
 * Whether a live init Job that another operator created (the reference, which marks no init hash)
 * ran what ours would run: the same image, args, env, volumes, mounts, pull secrets and
 * ServiceAccount. Then its success counts as ours and init is not run again on a switch. Fields
 * only ours sets (security context, termination message policy, backoff limit) do not matter: they
 * change how the pod runs, not what init does. The server's defaults on the live Job are allowed.
 */
export function runsSameInit(desired: Job, live: Job): boolean {
  const want = desired.spec.template.spec;
  const have = live.spec.template.spec;
  const wantContainer = want.containers[0];
  const haveContainer = have.containers[0];
  if (wantContainer === undefined || haveContainer === undefined || have.containers.length !== 1)
    return false;
  const same = (a: unknown, b: unknown): boolean => liveMatches(a ?? [], b ?? []);
  return (
    wantContainer.image === haveContainer.image &&
    same(wantContainer.args, haveContainer.args) &&
    same(wantContainer.command, haveContainer.command) &&
    same(wantContainer.env, haveContainer.env) &&
    same(wantContainer.volumeMounts, haveContainer.volumeMounts) &&
    same(want.volumes, have.volumes) &&
    same(want.imagePullSecrets, have.imagePullSecrets) &&
    want.serviceAccountName === have.serviceAccountName
  );
}

/** The annotations that make an adopted Job ours: the init hash (and the image, as ours carry it). */
export function adoptionAnnotations(desired: Job, initHash: string): Record<string, string> {
  const image = desired.metadata.annotations?.[ANNOTATION_PROVIDER_IMAGE];
  return {
    [ANNOTATION_INIT_HASH]: initHash,
    ...(image === undefined ? {} : { [ANNOTATION_PROVIDER_IMAGE]: image }),
  };
}
