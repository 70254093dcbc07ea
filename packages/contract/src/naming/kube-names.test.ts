import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isDns1123Label, isDns1123Subdomain, isEnvVarName } from "./kube-names.ts";

void describe("kubernetes name checks", () => {
  const cases: [check: (v: string) => boolean, value: string, want: boolean][] = [
    [isDns1123Label, "sp-landscaper", true],
    [isDns1123Label, "a", true],
    [isDns1123Label, "a".repeat(63), true],
    [isDns1123Label, "a".repeat(64), false],
    [isDns1123Label, "a.b", false],
    [isDns1123Label, "-a", false],
    [isDns1123Label, "a-", false],
    [isDns1123Label, "A", false],
    [isDns1123Label, "", false],
    [isDns1123Subdomain, "a.b-c.d", true],
    [isDns1123Subdomain, `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`, true],
    [isDns1123Subdomain, "a".repeat(254), false],
    [isDns1123Subdomain, "a..b", false],
    [isDns1123Subdomain, "a_b", false],
    [isEnvVarName, "FOO_BAR", true],
    [isEnvVarName, "my.var-1", true],
    [isEnvVarName, "_x", true],
    [isEnvVarName, "1X", true],
    [isEnvVarName, "A B", true],
    [isEnvVarName, "$X:~", true],
    [isEnvVarName, "A=B", false],
    [isEnvVarName, "ä", false],
    [isEnvVarName, "a\nb", false],
    [isEnvVarName, "", false],
  ];
  for (const [check, value, want] of cases) {
    void it(`${check.name}(${JSON.stringify(value.slice(0, 20))}${value.length > 20 ? "…" : ""}) is ${want}`, () => {
      assert.equal(check(value), want);
    });
  }
});
