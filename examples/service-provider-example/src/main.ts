#!/usr/bin/env node
import { exampleProvider } from "./example-provider.ts";

process.exitCode = await exampleProvider({
  platformIsOnboarding: process.env.EXAMPLE_PLATFORM_IS_ONBOARDING === "true",
}).main(process.argv.slice(2), process.env);
