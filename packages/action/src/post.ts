import { STATE_KUBECONFIG_PATH, removeKubeconfig } from "./kubeconfig-file.ts";

/** The post step: the kubeconfig never outlives the job, even when the main step crashed. */
const path = process.env[`STATE_${STATE_KUBECONFIG_PATH}`] ?? "";
if (path) removeKubeconfig(path);
