/**
 * The pod lifecycle kwok plays in full mode. Tests steer one pod through an env var of its first
 * container (`TESTENV_BEHAVIOR`, so it can come from a provider's `spec.env`) or the pod annotation
 * `testenv.openmcp.cloud/behavior`; the annotation wins. Behaviours:
 * - (none): the pod starts and becomes Ready; a Job's pod then completes with exit code 0;
 * - `fail`: a Job's pod terminates with exit code `TESTENV_EXIT_CODE` (default 1) and the
 *   termination message `TESTENV_MESSAGE` (default "simulated failure");
 * - `crashloop`: the container keeps crashing (CrashLoopBackOff), the pod never becomes Ready;
 * - `image-pull-backoff`: the image cannot be pulled (ImagePullBackOff);
 * - `never-ready`: the container runs but never passes readiness;
 * - `external`: kwok leaves the pod's status alone (it still removes deleted pods): something else
 *   runs the container's process and writes the status, as `@openmcp-ts/landscape`'s pod runner does.
 */

export const BEHAVIOR_ENV = "TESTENV_BEHAVIOR";
/** Applies to Job pods only (a provider's init), so one spec can make init pass and run fail. */
export const INIT_BEHAVIOR_ENV = "TESTENV_INIT_BEHAVIOR";
/** Applies to pods that are not Job pods (a provider's run Deployment). */
export const RUN_BEHAVIOR_ENV = "TESTENV_RUN_BEHAVIOR";
export const BEHAVIOR_ANNOTATION = "testenv.openmcp.cloud/behavior";
export const POD_BEHAVIORS = [
  "normal",
  "fail",
  "crashloop",
  "image-pull-backoff",
  "never-ready",
  "external",
] as const;
export type PodBehavior = (typeof POD_BEHAVIORS)[number];

function envOf(name: string): string {
  return `(.spec.containers[0].env // [] | map(select(.name == "${name}")) | .[0].value)`;
}
const IS_JOB_POD = `((.metadata.ownerReferences // []) | map(select(.kind == "Job")) | length > 0)`;
const BEHAVIOR =
  `(.metadata.annotations["${BEHAVIOR_ANNOTATION}"] // ` +
  `(if ${IS_JOB_POD} then ${envOf(INIT_BEHAVIOR_ENV)} else ${envOf(RUN_BEHAVIOR_ENV)} end) // ` +
  `${envOf(BEHAVIOR_ENV)} // "normal")`;

interface StageSpec {
  name: string;
  behaviors: PodBehavior[];
  /** Extra jq conditions, all of which must yield "true". */
  when: string[];
  delayMs: number;
  statusTemplate?: string;
  delete?: boolean;
}

const containerStatus = (stateYaml: string, ready: boolean, restarts = 0): string => `
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        imageID: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: ${ready}
        started: ${ready}
        restartCount: ${restarts}
${stateYaml}
      {{ end }}`;

const podConditions = (ready: boolean): string => `
      conditions:
      - {type: PodScheduled, status: "True", lastTransitionTime: {{ $now | Quote }}}
      - {type: Initialized, status: "True", lastTransitionTime: {{ $now | Quote }}}
      - {type: ContainersReady, status: "${ready ? "True" : "False"}", lastTransitionTime: {{ $now | Quote }}}
      - {type: Ready, status: "${ready ? "True" : "False"}", lastTransitionTime: {{ $now | Quote }}}`;

const addresses = `
      hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
      podIP: {{ PodIPWith .spec.nodeName false ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}
      startTime: {{ $now | Quote }}`;

const STAGES: StageSpec[] = [
  {
    name: "testenv-pod-start",
    behaviors: ["normal", "fail"],
    when: [".status.podIP == null"],
    delayMs: 100,
    statusTemplate: `
      {{ $now := Now }}
      phase: Running${addresses}${podConditions(true)}${containerStatus(
        `        state:
          running:
            startedAt: {{ $now | Quote }}`,
        true,
      )}`,
  },
  {
    name: "testenv-job-pod-succeed",
    behaviors: ["normal"],
    when: [`.status.phase == "Running"`, IS_JOB_POD],
    delayMs: 300,
    statusTemplate: `
      {{ $now := Now }}
      phase: Succeeded${podConditions(false)}${containerStatus(
        `        state:
          terminated:
            exitCode: 0
            reason: Completed
            startedAt: {{ $now | Quote }}
            finishedAt: {{ $now | Quote }}`,
        false,
      )}`,
  },
  {
    name: "testenv-job-pod-fail",
    behaviors: ["fail"],
    when: [`.status.phase == "Running"`, IS_JOB_POD],
    delayMs: 300,
    statusTemplate: `
      {{ $now := Now }}
      {{ $code := "1" }}{{ $msg := "simulated failure" }}
      {{ range (index .spec.containers 0).env }}{{ if eq .name "TESTENV_EXIT_CODE" }}{{ $code = .value }}{{ end }}{{ if eq .name "TESTENV_MESSAGE" }}{{ $msg = .value }}{{ end }}{{ end }}
      phase: Failed${podConditions(false)}${containerStatus(
        `        state:
          terminated:
            exitCode: {{ $code }}
            reason: Error
            message: {{ $msg | Quote }}
            startedAt: {{ $now | Quote }}
            finishedAt: {{ $now | Quote }}`,
        false,
      )}`,
  },
  {
    name: "testenv-pod-crashloop",
    behaviors: ["crashloop"],
    when: [".status.podIP == null"],
    delayMs: 100,
    statusTemplate: `
      {{ $now := Now }}
      phase: Running${addresses}${podConditions(false)}${containerStatus(
        `        state:
          waiting:
            reason: CrashLoopBackOff
            message: "back-off 40s restarting failed container"
        lastState:
          terminated:
            exitCode: 2
            reason: Error
            message: "provider exited: cannot load configuration"
            startedAt: {{ $now | Quote }}
            finishedAt: {{ $now | Quote }}`,
        false,
        3,
      )}`,
  },
  {
    name: "testenv-pod-image-pull-backoff",
    behaviors: ["image-pull-backoff"],
    when: [".status.podIP == null"],
    delayMs: 100,
    statusTemplate: `
      {{ $now := Now }}
      phase: Pending${addresses}${podConditions(false)}${containerStatus(
        `        state:
          waiting:
            reason: ImagePullBackOff
            message: {{ printf "Back-off pulling image %q" (index $.spec.containers 0).image | Quote }}`,
        false,
      )}`,
  },
  {
    name: "testenv-pod-never-ready",
    behaviors: ["never-ready"],
    when: [".status.podIP == null"],
    delayMs: 100,
    statusTemplate: `
      {{ $now := Now }}
      phase: Running${addresses}${podConditions(false)}${containerStatus(
        `        state:
          running:
            startedAt: {{ $now | Quote }}`,
        false,
      )}`,
  },
];

function stageYaml(stage: StageSpec): string {
  const conditions = [
    `${BEHAVIOR} as $b | [${stage.behaviors.map((b) => `"${b}"`).join(", ")}] | index($b) != null`,
    ...stage.when,
  ];
  const expressions = [
    `    - key: '.metadata.deletionTimestamp'\n      operator: 'DoesNotExist'`,
    `    - key: '.spec.nodeName'\n      operator: 'Exists'`,
    ...conditions.map(
      (c) => `    - key: '${c.replaceAll("'", "''")}'\n      operator: 'In'\n      values: ['true']`,
    ),
  ];
  const next = stage.delete
    ? "    delete: true"
    : `    statusTemplate: |${stage.statusTemplate!.replace(/^\n/, "\n")}`;
  return `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: ${stage.name}
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
${expressions.join("\n")}
  delay:
    durationMilliseconds: ${stage.delayMs}
  next:
${next}
`;
}

const POD_DELETE = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: testenv-pod-delete
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'Exists'
  next:
    finalizers:
      empty: true
    delete: true
`;

const NODE_STAGES = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: testenv-node-initialize
spec:
  resourceRef:
    apiGroup: v1
    kind: Node
  selector:
    matchExpressions:
    - key: '.status.conditions.[] | select( .type == "Ready" ) | .status'
      operator: 'NotIn'
      values: ['True']
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - {type: Ready, status: "True", reason: KubeletReady, message: "kwok fake node is ready", lastHeartbeatTime: {{ $now | Quote }}, lastTransitionTime: {{ $now | Quote }}}
      - {type: MemoryPressure, status: "False", reason: KubeletHasSufficientMemory, lastHeartbeatTime: {{ $now | Quote }}, lastTransitionTime: {{ $now | Quote }}}
      - {type: DiskPressure, status: "False", reason: KubeletHasNoDiskPressure, lastHeartbeatTime: {{ $now | Quote }}, lastTransitionTime: {{ $now | Quote }}}
      - {type: PIDPressure, status: "False", reason: KubeletHasSufficientPID, lastHeartbeatTime: {{ $now | Quote }}, lastTransitionTime: {{ $now | Quote }}}
      - {type: NetworkUnavailable, status: "False", reason: RouteCreated, lastHeartbeatTime: {{ $now | Quote }}, lastTransitionTime: {{ $now | Quote }}}
      addresses:
      - {type: InternalIP, address: {{ NodeIP | Quote }}}
      - {type: Hostname, address: {{ .metadata.name | Quote }}}
      allocatable: {cpu: "64", memory: 256Gi, pods: "1000"}
      capacity: {cpu: "64", memory: 256Gi, pods: "1000"}
      daemonEndpoints:
        kubeletEndpoint:
          Port: {{ NodePort }}
      nodeInfo:
        architecture: amd64
        kubeletVersion: fake
        kubeProxyVersion: fake
        operatingSystem: linux
      phase: Running
`;

/** The kwok configuration: every stage it plays, as one multi-document YAML file. */
export function kwokStagesYaml(): string {
  return [NODE_STAGES, ...STAGES.map(stageYaml), POD_DELETE].join("---\n");
}

/**
 * kwok serves every fake container's log (`kubectl logs`, GET .../pods/<name>/log through the
 * apiserver) from this one file: kwok's ClusterLogs selects pods by name and namespace only, not
 * by behaviour, so a test that wants particular lines rewrites the file (`ControlPlane.setPodLog`);
 * kwok reads it on each request.
 */
export function kwokPodLogsYaml(logFile: string): string {
  return `apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: testenv-pod-logs
spec:
  logs:
  - logsFile: ${JSON.stringify(logFile)}
    previousLogsFile: ${JSON.stringify(logFile)}
    follow: false
`;
}

/** Lines in the CRI log format kubelets read (`<RFC 3339 time> stdout F <line>`), one per input line. */
export function criLogText(lines: readonly string[], at: Date = new Date()): string {
  const time = at.toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
  return lines.map((line) => `${time} stdout F ${line}\n`).join("");
}

/** What every fake container logs until a test says otherwise. */
export const DEFAULT_POD_LOG = [
  "testenv: kwok fake container started",
  `testenv: this container's behaviour comes from ${BEHAVIOR_ENV}, ${INIT_BEHAVIOR_ENV} or ${RUN_BEHAVIOR_ENV}`,
];
