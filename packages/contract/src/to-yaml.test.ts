import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { toYaml, toYamlStream } from "./to-yaml.ts";

void describe("toYaml", () => {
  void it("writes nested maps and lists in block style", () => {
    const got = toYaml({
      a: 1,
      b: { c: "x", d: [1, "two", { e: true, f: [] }], g: {} },
      h: [[1, 2], []],
    });
    assert.equal(
      got,
      [
        "a: 1",
        "b:",
        "  c: x",
        "  d:",
        "  - 1",
        "  - two",
        "  - e: true",
        "    f: []",
        "  g: {}",
        "h:",
        "- - 1",
        "  - 2",
        "- []",
        "",
      ].join("\n"),
    );
  });
  void it("quotes strings that plain YAML 1.1 or 1.2 would read as something else", () => {
    const cases: [string, string][] = [
      ["true", '"true"'],
      ["No", '"No"'],
      ["8080", '"8080"'],
      ["1.5", '"1.5"'],
      ["", '""'],
      ["a: b", '"a: b"'],
      ["- x", '"- x"'],
      ["*", '"*"'],
      ["y", '"y"'],
      ["0755", '"0755"'],
      ["1:20", '"1:20"'],
      ["2026-01-01", '"2026-01-01"'],
      ["~", '"~"'],
      ["line\nbreak", "|-\n  line\n  break"],
      ["/metrics", "/metrics"],
      ["--environment=live", "--environment=live"],
      ["ghcr.io/x/y:v1.0.0", "ghcr.io/x/y:v1.0.0"],
      ["openmcp.cloud:sp-x", "openmcp.cloud:sp-x"],
    ];
    for (const [input, want] of cases) assert.equal(toYaml({ k: input }), `k: ${want}\n`, input);
  });
  void it("quotes keys that need it and writes null", () => {
    assert.equal(toYaml({ "a b": null, "x: y": 1 }), 'a b: null\n"x: y": 1\n');
  });
  void it("reads back as the same value with YAML 1.1 and 1.2 parsers", () => {
    const value = {
      s: [
        "true",
        "No",
        "y",
        "0755",
        "1:20",
        "0x1f",
        "-",
        "a #b",
        "line\nbreak\n",
        " lead",
        "trail ",
        "é😀",
        "null",
      ],
      n: [0, -1, 1.5, 1e21],
      b: [true, false],
      nested: { list: [{ a: [] }, {}], empty: "" },
    };
    for (const version of ["1.1", "1.2"] as const)
      assert.deepEqual(parse(toYaml(value), { version }), value, version);
  });
  void it("joins documents into a stream", () => {
    assert.equal(toYamlStream([{ a: 1 }, { b: 2 }]), "---\na: 1\n---\nb: 2\n");
  });
});
