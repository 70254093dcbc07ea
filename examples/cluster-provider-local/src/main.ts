#!/usr/bin/env node
import { clusterProviderLocal } from "./cluster-provider-local.ts";

process.exitCode = await clusterProviderLocal().main(process.argv.slice(2), process.env);
