import { STATE_KUBECONFIG_PATH, removeKubeconfig } from "./kubeconfig-file.ts";

/**
 * The post step: the kubeconfig never outlives the job, even when the main step crashed. It reads
 * the state as @actions/core's getState does (STATE_<name>) without bundling the toolkit for it.
 */
const path = process.env[`STATE_${STATE_KUBECONFIG_PATH}`] ?? "";
if (path) removeKubeconfig(path);
