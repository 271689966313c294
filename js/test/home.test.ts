// The one-widget home (home.ts): the list while `dataset_name` is "", the page and a
// "Back to datasets" button otherwise; the list reads its search and sort from
// `list_query`/`list_sort`; every switch disposes the view shown before; it works inside
// a shadow root (marimo, Panel) and when the host loses custom messages.
import { describe, expect, it } from "vitest";
import widget, { type HomeTraits, LIST_RENAMES, listModel, mountHome } from "../src/home";
import type { HomeIntent, HomeResults, Reply } from "../src/protocol";
import { Requests } from "../src/rpc";
import { dataset, FakeListModel } from "./fake_list_model";
import { defaultTraits, FakeWidgetModel, flush, record } from "./fake_model";
import { host } from "./host";

function homeModel(overrides: Partial<HomeTraits> = {}): FakeWidgetModel<HomeTraits> {
  return new FakeWidgetModel<HomeTraits>({
    ...defaultTraits(),
    dataset_name: "",
    list_query: "",
    list_sort: ["updated_at", "desc"],
    workspace: "rubrix",
    _workspaces: ["rubrix"],
    _workspace_folder: "/tmp/rubrix",
    _datasets: [
      dataset({ name: "reviews" }),
      dataset({ name: "news", updated_at: "2024-04-01T10:00:00Z" }),
    ],
    ...overrides,
  });
}

function mount(model: FakeWidgetModel<HomeTraits>, el: HTMLElement = host.el): HTMLElement {
  host.cleanup = widget.render({ model: model as never, el } as never) as () => void;
  return el;
}

const backButton = (root: ParentNode) =>
  Array.from(root.querySelectorAll<HTMLButtonElement>("button")).find((b) =>
    b.textContent?.includes("Back to datasets"),
  );
const listSearch = (root: ParentNode) =>
  root.querySelector<HTMLInputElement>('input[aria-label="Search datasets"]');
const pageSearch = (root: ParentNode) =>
  root.querySelector<HTMLInputElement>('input[aria-label="Search records"]');
const rowNames = (root: ParentNode) =>
  Array.from(root.querySelectorAll<HTMLElement>("tbody tr[data-name]")).map(
    (tr) => tr.dataset.name,
  );

/** The page a kernel shows once `open_dataset` ran: the dataset's name and records. */
function opened(model: FakeWidgetModel<HomeTraits>, name = "reviews"): void {
  model.set("_records", [record({ seq: 0, id: 1 }), record({ seq: 1, id: 2 })]);
  model.set("total", 2);
  model.set("dataset_name", name);
}

describe("the one-widget home", () => {
  it("shows the list while no dataset is open, its search and sort read from list_query and list_sort", async () => {
    const model = homeModel({ query: "page search", list_query: "rev", sort: [] });
    const root = mount(model);
    expect(rowNames(root)).toEqual(["reviews"]); // filtered by list_query, not query
    expect(listSearch(root)!.value).toBe("rev");
    expect(pageSearch(root)).toBeNull();
    expect(backButton(root)).toBeUndefined();
    const box = listSearch(root)!;
    box.value = "ne";
    box.dispatchEvent(new Event("input"));
    expect(model.traits.list_query).toBe("ne");
    expect(model.traits.query).toBe("page search"); // the page's search is untouched
    root.querySelector<HTMLButtonElement>('button[data-column="name"]')!.click();
    expect(model.traits.list_sort).toEqual(["name", "asc"]);
    expect(model.traits.sort).toEqual([]);
    await flush();
    expect(rowNames(root)).toEqual(["news"]);
  });

  it("renames exactly query and sort for the list view, events included", () => {
    expect(LIST_RENAMES).toEqual({ query: "list_query", sort: "list_sort" });
    const model = homeModel({ list_query: "a", query: "b" });
    const seen: string[] = [];
    const adapted = listModel(model);
    adapted.on("change:query", () => seen.push("list"));
    model.set("query", "page");
    model.set("list_query", "list");
    expect(seen).toEqual(["list"]);
    expect(adapted.get("query")).toBe("list");
    expect(adapted.get("workspace")).toBe("rubrix");
  });

  it("opens a dataset by sending the open intent only: the kernel's new state shows the page", async () => {
    const model = homeModel();
    const root = mount(model);
    model.answerHellos();
    root
      .querySelector<HTMLButtonElement>('button[data-action="open"][data-name="reviews"]')!
      .click();
    expect(model.intents.at(-1)).toMatchObject({
      type: "action",
      action: "open",
      name: "reviews",
      workspace: "rubrix",
    });
    expect(pageSearch(root)).toBeNull(); // nothing changes until the kernel says so
    model.ack({ result: "reviews" });
    opened(model);
    await flush();
    expect(pageSearch(root)).not.toBeNull();
    expect(listSearch(root)).toBeNull();
    expect(root.querySelectorAll("article.rw-card")).toHaveLength(2);
  });

  it("has a real, keyboard-reachable Back to datasets button that sends the back intent", async () => {
    const model = homeModel();
    opened(model);
    const root = mount(model);
    const back = backButton(root)!;
    expect(back.tagName).toBe("BUTTON");
    expect(back.getAttribute("type")).toBe("button");
    expect(back.tabIndex).toBe(0);
    back.focus();
    expect(document.activeElement).toBe(back);
    back.click();
    expect(model.intents.at(-1)).toMatchObject({ type: "action", action: "back" });
    expect(back.disabled).toBe(true); // one back at a time
    model.ack({ result: ["news", "reviews"] });
    model.set("dataset_name", "");
    await flush();
    expect(listSearch(root)).not.toBeNull();
    expect(backButton(root)).toBeUndefined();
  });

  it("says why when the kernel refuses to go back, and lets the person try again", async () => {
    const model = homeModel();
    opened(model);
    const root = mount(model);
    backButton(root)!.click();
    model.ack({ ok: false, error: "the kernel <b>refused</b>" });
    await flush();
    expect(root.querySelector('[role="alert"]')!.textContent).toBe("the kernel <b>refused</b>");
    expect(root.querySelector("b")).toBeNull(); // text, never HTML
    expect(backButton(root)!.disabled).toBe(false);
  });

  it("gets the back reply from the _acks state when the host loses custom messages", async () => {
    const model = homeModel();
    opened(model);
    model.dropMessages = true;
    const root = mount(model);
    backButton(root)!.click();
    model.ack({ ok: false, error: "lost message, answer in state" });
    await flush();
    expect(root.querySelector('[role="alert"]')!.textContent).toBe("lost message, answer in state");
  });

  it("says hello when rendered and shows the state the kernel sends back (a view made late)", async () => {
    const model = homeModel({ _datasets: [] });
    const root = mount(model);
    expect(model.sent.filter((m) => m.action === "hello").length).toBeGreaterThan(0);
    expect(rowNames(root)).toEqual([]);
    model.answerHellos({ _datasets: [dataset({ name: "late" })] });
    await flush();
    expect(rowNames(root)).toEqual(["late"]);
  });

  it("says hello once per view it shows, so the kernel sends its state once each time", async () => {
    const model = homeModel();
    mount(model);
    const hellos = () => model.sent.filter((m) => m.action === "hello").length;
    expect(hellos()).toBe(1); // the list's, not one more for the home around it
    model.answerHellos();
    opened(model);
    await flush();
    expect(hellos()).toBe(2); // the page's
  });

  it("disposes the view it leaves: listeners do not pile up across switches", async () => {
    const model = homeModel();
    const root = mount(model);
    await flush();
    const onList = model.listenerCount();
    for (let i = 0; i < 3; i++) {
      opened(model, i % 2 ? "news" : "reviews");
      await flush();
      model.set("dataset_name", "");
      await flush();
    }
    expect(model.listenerCount()).toBe(onList);
    expect(root.querySelectorAll(".rw-home").length).toBe(1); // one list, not one per switch
    host.cleanup!();
    host.cleanup = null;
    expect(model.listenerCount()).toBe(0);
    expect(root.childElementCount).toBe(0);
  });

  it("opening another dataset from a page remounts the page for it", async () => {
    const model = homeModel();
    opened(model, "reviews");
    const root = mount(model);
    const first = root.querySelector(".rw-home-page");
    opened(model, "news");
    await flush();
    expect(root.querySelector(".rw-home-page")).not.toBe(first);
    expect(root.querySelectorAll(".rw-home-page")).toHaveLength(1);
  });
});

describe("the home inside a shadow root (marimo, Panel)", () => {
  function inShadow(model: FakeWidgetModel<HomeTraits>) {
    const shadowHost = document.createElement("div");
    host.el.appendChild(shadowHost);
    const shadow = shadowHost.attachShadow({ mode: "open" });
    const el = document.createElement("div");
    shadow.appendChild(el);
    mount(model, el);
    return shadow;
  }

  it("keeps the focus in the list's search box across redraws (getRootNode().activeElement)", async () => {
    const model = homeModel();
    const shadow = inShadow(model);
    const box = listSearch(shadow)!;
    box.focus();
    expect(shadow.activeElement).toBe(box);
    box.value = "rev";
    box.dispatchEvent(new Event("input"));
    model.set("list_query", "kernel rewrote it"); // the kernel's echo while typing
    await flush();
    expect(box.value).toBe("rev"); // the focused box is not overwritten
  });

  it("takes Escape typed in the list's search box from inside the shadow root", () => {
    const model = homeModel({ list_query: "rev" });
    const shadow = inShadow(model);
    const box = listSearch(shadow)!;
    box.focus();
    const outside = (e: Event) => outsideKeys.push((e as KeyboardEvent).key);
    const outsideKeys: string[] = [];
    document.addEventListener("keydown", outside);
    try {
      const event = new KeyboardEvent("keydown", {
        key: "Escape",
        bubbles: true,
        composed: true,
        cancelable: true,
      });
      // Outside the shadow root, a browser shows the event at the shadow host (happy-dom
      // does not retarget, so the test does); only composedPath() starts at the box.
      Object.defineProperty(event, "target", {
        get() {
          const at = event.currentTarget;
          return at instanceof Node && (at === shadow || shadow.contains(at)) ? box : shadow.host;
        },
      });
      box.dispatchEvent(event);
    } finally {
      document.removeEventListener("keydown", outside);
    }
    expect(model.traits.list_query).toBe("");
    expect(box.value).toBe("");
    expect(outsideKeys).toEqual([]);
  });
});

describe("the home's typed protocol", () => {
  it("refuses a wrong home intent, result or model at compile time", () => {
    const compileOnly = () => {
      const home = new Requests<HomeIntent, HomeResults>(homeModel());
      const back: Promise<Reply<string[]>> = home.call({ action: "back" });
      // @ts-expect-error back's result is the list's dataset names, not one name
      const opened: Promise<Reply<string>> = home.call({ action: "back" });
      // @ts-expect-error the home's open names the workspace too, as the list's does
      void home.call({ action: "open", name: "news" });
      // @ts-expect-error the home's page actions keep their epoch
      void home.call({ action: "validate", seqs: [0] });
      // @ts-expect-error a list's model is not a home's: it has no page traits
      mountHome(new FakeListModel(), host.el);
      return [back, opened];
    };
    expect(typeof compileOnly).toBe("function");
  });
});

describe("the bundles' exports", () => {
  it("export only the default { render } (anywidget deprecates a direct `render` export)", async () => {
    for (const module of [await import("../src/home"), await import("../src/dataset_list")]) {
      expect(Object.keys(module)).not.toContain("render");
      expect(typeof module.default.render).toBe("function");
    }
  });
});
