// The protocol is typed once (protocol.ts): a wrong field or a wrong result type is a
// compile error (`npm test` runs tsc first: each @ts-expect-error below fails the build if
// the error it expects is gone), and the unions keep the one-member-per-line shape a
// Python test reads to check them against the kernel's action registry.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type {
  HomeResults,
  ListIntent,
  ListResults,
  PageIntent,
  PageResults,
  Reply,
} from "../src/protocol";
import { Requests } from "../src/rpc";
import { FakeModel } from "./fake_model";

const source = readFileSync(join(process.cwd(), "src", "protocol.ts"), "utf8"); // vitest runs in js/

/** The action names of `export type <name> =` (its `  | { action: "x"; ... }` lines). */
function unionActions(name: string): string[] {
  const block = source.split(`export type ${name} =\n`)[1]?.split(";\n\n")[0] ?? "";
  return block
    .split("\n")
    .map(
      (line) =>
        /^ {2}\| \{ action: "([a-z_]+)"(; [a-z_]+\??: [^;]+)* \}$/.exec(
          line.replace(/;$/, ""),
        )?.[1] ?? `BAD LINE: ${line}`,
    );
}

/** The keys of `export interface <name> {` (its `  name: type;` lines). */
function resultKeys(name: string): string[] {
  const block = source.split(`export interface ${name} {\n`)[1]?.split("\n}")[0] ?? "";
  return block
    .split("\n")
    .map((line) => /^ {2}([a-z_]+): [^;]+;$/.exec(line)?.[1] ?? `BAD LINE: ${line}`);
}

describe("the protocol's shape", () => {
  it("lists each page action once per line, with a result for every intent and no other", () => {
    const actions = unionActions("PageIntent");
    expect(actions).toEqual([
      "annotate",
      "edit",
      "validate",
      "discard",
      "add_span",
      "remove_span",
      "undo",
      "redo",
      "add_label",
      "full_text",
      "sync",
      "rule_metrics",
      "add_rule",
      "delete_rule",
      "find_similar",
      "semantic_search",
      "more_like_label",
      "select_on_map",
      "map_text",
      "hello",
    ]);
    expect(resultKeys("PageResults")).toEqual(actions);
  });

  it("lists the list's actions the same way, and the home's way back", () => {
    const actions = unionActions("ListIntent");
    expect(actions).toEqual([
      "open",
      "delete",
      "refresh",
      "switch_workspace",
      "check_workspace",
      "hello",
    ]);
    expect(resultKeys("ListResults")).toEqual(actions);
    expect(unionActions("HomeOnlyIntent")).toEqual(["back"]);
    expect(resultKeys("HomeOnlyResults")).toEqual(["back"]);
  });
});

describe("typed calls", () => {
  it("types each call's result by its action", async () => {
    const model = new FakeModel();
    const requests = new Requests<PageIntent, PageResults>(model);
    const labels = requests.call({ action: "add_label", label: "neutral" });
    model.ack({ result: ["fresh", "neutral"] });
    const reply = await labels;
    const names: string[] = reply.ok ? reply.result : [];
    expect(names).toEqual(["fresh", "neutral"]);
    requests.dispose();
  });

  it("refuses wrong fields and wrong result types at compile time", () => {
    const requests = new Requests<PageIntent, PageResults>(new FakeModel());
    const compileOnly = () => {
      // @ts-expect-error positions are numbers
      void requests.call({ action: "annotate", seqs: ["0"], annotation: ["fresh"], epoch: "e" });
      // @ts-expect-error positional intents carry the epoch they were drawn at
      void requests.call({ action: "validate", seqs: [0] });
      // @ts-expect-error no such action
      void requests.call({ action: "annotated", seqs: [0], epoch: "e" });
      // @ts-expect-error undo's result is a count, not a boolean
      const undo: Promise<Reply<boolean>> = requests.call({ action: "undo" });
      const list = new Requests<ListIntent, ListResults>(new FakeModel());
      // @ts-expect-error open takes the workspace too
      void list.call({ action: "open", name: "news" });
      const back: HomeResults["back"] = ["news"];
      return [undo, back];
    };
    expect(typeof compileOnly).toBe("function");
    requests.dispose();
  });
});
