#!/usr/bin/env node
import { provider } from "./provider.ts";

process.exitCode = await provider({
  platformIsOnboarding: process.env.PLATFORM_IS_ONBOARDING === "true",
}).main(process.argv.slice(2), process.env);
