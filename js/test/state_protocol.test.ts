// State is the source of truth (protocol.ts): a reply travels as a custom message and in
// the `_acks` state, and a click is answered by whichever arrives first; a host that loses
// every custom message (Colab, VS Code, a view made in an earlier cell) loses no click; a
// view made late shows the kernel's current state at once and after its `hello`.
import { describe, expect, it } from "vitest";
import pageWidget, * as pageBundle from "../src/dataset_page";
import { mountPage } from "../src/page_view";
import type { PageIntent, PageResults } from "../src/protocol";
import { Requests } from "../src/rpc";
import { FakeModel, flush, record } from "./fake_model";
import { host } from "./host";

const page = (n = 3) => Array.from({ length: n }, (_, i) => record({ seq: i, id: 100 + i }));
const articles = (root: ParentNode = host.el) =>
  Array.from(root.querySelectorAll<HTMLElement>("article"));
const status = (root: ParentNode = host.el) =>
  root.querySelector('.rw-top [role="status"]')!.textContent;
const button = (root: ParentNode, name: string) =>
  Array.from(root.querySelectorAll<HTMLButtonElement>("button")).find(
    (b) => (b.getAttribute("aria-label") ?? b.textContent?.trim()) === name,
  )!;

describe("requests and replies", () => {
  it("names each request '<view id>:<n>', unique across two views of one model", () => {
    const model = new FakeModel({ mode: "annotate", _records: page(1), total: 1 });
    const one = document.createElement("div");
    const two = document.createElement("div");
    host.el.append(one, two);
    const disposeOne = mountPage(model, one);
    const disposeTwo = mountPage(model, two);
    button(one, "fresh").click();
    button(two, "fresh").click();
    const ids = model.sent.map((m) => String(m.request));
    for (const id of ids) expect(id).toMatch(/^[0-9a-z]+:[0-9]+$/);
    expect(new Set(ids).size).toBe(ids.length);
    const views = new Set(ids.map((id) => id.split(":")[0]));
    expect(views.size).toBe(2);
    disposeOne();
    disposeTwo();
  });

  it("settles a click from the _acks state when every custom message is lost, and sends no buffers", async () => {
    const model = new FakeModel({ mode: "annotate", _records: page(2), total: 2 });
    model.dropMessages = true;
    host.cleanup = mountPage(model, host.el);
    button(articles()[1], "rotten").click();
    await flush();
    expect(status()).toBe("Saving…");
    expect(articles()[1].getAttribute("aria-busy")).toBe("true");
    model.ack({ result: 1 }); // the message is dropped: only `_acks` tells
    await flush();
    expect(status()).toBe("Saved (1 record)");
    expect(articles()[1].getAttribute("aria-busy")).toBeNull();
    expect(model.sentBuffers).toEqual([]);
  });

  it("shows a refusal that arrives only in the state", async () => {
    const model = new FakeModel({ mode: "annotate", _records: page(1), total: 1 });
    model.dropMessages = true;
    host.cleanup = mountPage(model, host.el);
    button(host.el, "fresh").click();
    model.ack({ ok: false, error: "label 'fresh' is not in the label schema" });
    await flush();
    expect(host.el.querySelector(".rw-action-error")!.textContent).toBe(
      "label 'fresh' is not in the label schema",
    );
  });

  it("settles on the first copy of a reply and ignores the second", async () => {
    const model = new FakeModel();
    const requests = new Requests<PageIntent, PageResults>(model);
    const answer = requests.call({ action: "add_label", label: "neutral" });
    const request = model.sent.at(-1)!.request as string;
    // the state copy first, then a (different) message copy: the state's wins
    model.set("_acks", {
      [request]: { request, ok: true, result: ["fresh", "neutral", "rotten"] },
    });
    model.emit("msg:custom", { type: "ack", request, ok: false, error: "a late duplicate" }, []);
    expect(await answer).toEqual({ request, ok: true, result: ["fresh", "neutral", "rotten"] });
    expect(requests.busy).toBe(false);
    requests.dispose();
  });

  it("ignores replies to other views' requests in the shared _acks", async () => {
    const model = new FakeModel();
    const requests = new Requests<PageIntent, PageResults>(model);
    const answer = requests.call({ action: "sync" });
    model.set("_acks", { "otherview:1": { request: "otherview:1", ok: true, result: false } });
    expect(requests.busy).toBe(true);
    model.ack({ result: true });
    expect(await answer).toMatchObject({ ok: true, result: true });
    requests.dispose();
  });
});

describe("a view made late", () => {
  const computed = {
    _records: page(2),
    total: 2,
    _facets: {
      predicted_as: [["fresh", 2]] as [string, number][],
      metadata: { split: [["train", 2]] as [string, number][] },
    },
    metrics: {
      f1: {
        records: 2,
        micro: { precision: 1, recall: 1, f1: 1 },
        macro: { precision: 1, recall: 1, f1: 1 },
        per_label: { fresh: { precision: 1, recall: 1, f1: 1, support: 2 } },
      },
      empty: null,
    },
    _keywords: [["gripping", 2]] as [string, number][],
  };
  const regions = (root: ParentNode) =>
    Array.from(root.querySelectorAll<HTMLElement>(".rw-side-section")).map((s) =>
      s.getAttribute("aria-label"),
    );

  it("shows what the kernel computed before it existed: metadata filter, metrics, Predicted as, keywords", () => {
    const model = new FakeModel(computed);
    model.dropMessages = true;
    host.cleanup = mountPage(model, host.el);
    expect(button(host.el, "Metadata▾")).toBeDefined();
    expect(regions(host.el)).toEqual(
      expect.arrayContaining(["Progress", "Model vs annotations", "Predicted as", "Keywords"]),
    );
    expect(articles()).toHaveLength(2);
  });

  it("says hello when rendered and draws again from the state the kernel sends back", async () => {
    const model = new FakeModel();
    model.dropMessages = true;
    host.cleanup = mountPage(model, host.el);
    expect(model.sent.filter((m) => m.action === "hello")).toHaveLength(1);
    expect(regions(host.el)).not.toContain("Keywords");
    // The kernel's state reaches the model without a change event for each trait (a host
    // that applied it before the view listened), then the hello's reply arrives.
    Object.assign(model.traits, computed);
    model.answerHellos();
    await flush();
    expect(regions(host.el)).toEqual(
      expect.arrayContaining(["Model vs annotations", "Predicted as", "Keywords"]),
    );
    expect(button(host.el, "Metadata▾")).toBeDefined();
    expect(articles()).toHaveLength(2);
  });
});

describe("mounting", () => {
  it("exports only the default { render } from the bundle (anywidget's deprecation)", () => {
    expect(Object.keys(pageBundle)).toEqual(["default"]);
    const cleanup = pageWidget.render({
      model: new FakeModel({ _records: page(1), total: 1 }),
      el: host.el,
    } as never);
    expect(articles()).toHaveLength(1);
    (cleanup as () => void)();
    expect(host.el.children).toHaveLength(0);
  });

  it("mounts and disposes repeatedly on one model (home: open, back, open another)", async () => {
    const model = new FakeModel({ mode: "annotate", _records: page(2), total: 2 });
    for (const name of ["reviews", "news", "reviews"]) {
      model.set("dataset_name", name);
      const dispose = mountPage(model, host.el);
      expect(host.el.querySelectorAll(".rw-root")).toHaveLength(1);
      button(host.el, "rotten").click();
      expect(model.intents.at(-1)).toMatchObject({ action: "annotate", seqs: [0] });
      model.ack();
      await flush();
      expect(status()).toBe("Saved (1 record)");
      dispose();
      expect(model.listenerCount()).toBe(0);
      expect(host.el.children).toHaveLength(0);
    }
    expect(model.sent.filter((m) => m.action === "hello")).toHaveLength(3);
  });
});
