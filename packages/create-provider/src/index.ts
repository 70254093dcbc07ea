export {
  DEFAULT_ACTION_REF,
  ScaffoldInputError,
  providerNameFor,
  scaffoldProvider,
  type ScaffoldOptions,
  type ScaffoldResult,
} from "./scaffold-provider.ts";
export { main } from "./cli.ts";
