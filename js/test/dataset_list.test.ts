import { describe, expect, it, vi } from "vitest";
import widget, { filterRows, formatDate, mountList, sortRows } from "../src/dataset_list";
import { captureKeys } from "../src/keys";
import type { ListIntent, ListResults, Reply } from "../src/protocol";
import { Requests } from "../src/rpc";
import { type PickerHost, WORKSPACE_CHECK_MS } from "../src/workspace_picker";
import { dataset, FakeListModel, flush } from "./fake_list_model";
import { host } from "./host";

/** Render the list; the kernel answers the view's `hello` at once, and the tests look at
 * the intents sent after it. */
function mount(model: FakeListModel): HTMLElement {
  host.cleanup = widget.render({ model, el: host.el });
  expect(model.sent).toEqual([{ type: "action", action: "hello", request: expect.any(String) }]);
  model.ack({ result: true });
  model.sent.length = 0;
  return host.el;
}

const buttons = (root: ParentNode, name: string) =>
  Array.from(root.querySelectorAll<HTMLButtonElement>("button")).filter(
    (b) => (b.getAttribute("aria-label") ?? b.textContent?.trim()) === name,
  );
const button = (root: ParentNode, name: string) => {
  const found = buttons(root, name);
  if (!found.length) throw new Error(`no button named ${name}`);
  return found[0];
};
const names = (root: ParentNode) =>
  Array.from(root.querySelectorAll<HTMLElement>("tbody tr[data-name]")).map(
    (tr) => tr.dataset.name,
  );
const th = (root: ParentNode, title: string) =>
  Array.from(root.querySelectorAll<HTMLElement>("th")).find((t) =>
    t.textContent?.startsWith(title),
  )!;
const search = (root: ParentNode) =>
  root.querySelector<HTMLInputElement>('input[aria-label="Search datasets"]')!;
const key = (target: HTMLElement, k: string) =>
  target.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));

const DATA = [
  dataset({
    name: "reviews",
    tags: { source: "rotten tomatoes" },
    records: 300,
    annotated: 30,
    annotated_percent: 10,
    updated_at: "2024-05-03T10:00:00Z",
  }),
  dataset({
    name: "news",
    task: "TextClassification",
    tags: { lang: "en" },
    records: 1200,
    annotated: 600,
    annotated_percent: 50,
    updated_at: "2024-05-01T10:00:00Z",
    created_at: "2024-04-01T10:00:00Z",
  }),
  dataset({
    name: "tweets-ner",
    task: "TokenClassification",
    records: 50,
    annotated: 0,
    annotated_percent: 0,
    updated_at: "2024-05-02T10:00:00Z",
    created_at: "2024-03-01T10:00:00Z",
  }),
];

describe("the table", () => {
  it("shows one row per dataset with every column, most recently updated first", () => {
    const root = mount(new FakeListModel({ _datasets: DATA }));
    expect(
      Array.from(root.querySelectorAll("th")).map((t) => t.textContent?.replace(/[▲▼↕]/g, "")),
    ).toEqual([
      "Name",
      "Tags",
      "Task",
      "Records",
      "Annotated (%)",
      "Created",
      "Updated",
      "Actions",
    ]);
    expect(names(root)).toEqual(["reviews", "tweets-ner", "news"]);
    const news = root.querySelector<HTMLElement>('tr[data-name="news"]')!;
    const cells = Array.from(news.querySelectorAll("td")).map((td) => td.textContent);
    expect(cells.slice(0, 5)).toEqual([
      "news",
      "lang: en",
      "Text classification",
      "1,200",
      "50.0%",
    ]);
    expect(cells[5]).toBe(formatDate("2024-04-01T10:00:00Z"));
    expect(th(root, "Updated").getAttribute("aria-sort")).toBe("descending");
    expect(th(root, "Name").getAttribute("aria-sort")).toBe("none");
    expect(root.textContent).toContain("/tmp/workspace");
  });

  it("renders untrusted names and tags as text, never HTML", () => {
    const evil = '<img src=x onerror="window.pwned=1"><b>bold</b>';
    const root = mount(
      new FakeListModel({ _datasets: [dataset({ name: evil, tags: { [evil]: evil } })] }),
    );
    expect(root.querySelector("img")).toBeNull();
    expect(root.querySelector("b")).toBeNull();
    expect(root.textContent).toContain(evil);
    button(root, `Delete ${evil}`).click();
    expect(root.querySelector("img")).toBeNull();
    expect(root.querySelector('[role="alertdialog"]')!.textContent).toContain(evil);
  });

  it("says when there are no datasets, and when none match the search", () => {
    const root = mount(new FakeListModel());
    expect(root.textContent).toContain("No datasets yet");
    host.cleanup?.();
    const other = mount(new FakeListModel({ _datasets: DATA, query: "zzz" }));
    expect(other.textContent).toContain("No datasets match “zzz”.");
    expect(other.querySelector("table")).toBeNull();
  });

  it("follows the kernel: new rows replace the old ones", async () => {
    const model = new FakeListModel({ _datasets: DATA });
    const root = mount(model);
    model.set("_datasets", DATA.slice(0, 1));
    await flush();
    expect(names(root)).toEqual(["reviews"]);
  });
});

describe("search and sort", () => {
  it("filters by name, tag and task as one types, and tells the kernel the query", async () => {
    const model = new FakeListModel({ _datasets: DATA });
    const root = mount(model);
    const box = search(root);
    for (const [query, expected] of [
      ["NEWS", ["news"]],
      ["rotten", ["reviews"]],
      ["lang: en", ["news"]],
      ["token", ["tweets-ner"]],
      ["text classification", ["reviews", "news"]],
      ["", ["reviews", "tweets-ner", "news"]],
    ] as [string, string[]][]) {
      box.value = query;
      box.dispatchEvent(new Event("input"));
      await flush();
      expect(names(root)).toEqual(expected);
      expect(model.traits.query).toBe(query);
    }
    expect(root.querySelector(".rw-home-count")!.textContent).toBe("3");
    box.value = "news";
    box.dispatchEvent(new Event("input"));
    await flush();
    expect(root.querySelector(".rw-home-count")!.textContent).toBe("1 of 3");
  });

  it("sorts by a column header, toggling direction, with aria-sort on the th", async () => {
    const model = new FakeListModel({ _datasets: DATA });
    const root = mount(model);
    button(th(root, "Records"), "Records↕").click();
    await flush();
    expect(model.traits.sort).toEqual(["records", "desc"]);
    expect(names(root)).toEqual(["news", "reviews", "tweets-ner"]);
    expect(th(root, "Records").getAttribute("aria-sort")).toBe("descending");
    expect(th(root, "Updated").getAttribute("aria-sort")).toBe("none");
    th(root, "Records").querySelector("button")!.click();
    await flush();
    expect(names(root)).toEqual(["tweets-ner", "reviews", "news"]);
    expect(th(root, "Records").getAttribute("aria-sort")).toBe("ascending");
    expect(document.activeElement).toBe(th(root, "Records").querySelector("button"));
    th(root, "Name").querySelector("button")!.click();
    await flush();
    expect(names(root)).toEqual(["news", "reviews", "tweets-ner"]);
    th(root, "Annotated").querySelector("button")!.click();
    await flush();
    expect(names(root)).toEqual(["news", "reviews", "tweets-ner"]);
    th(root, "Tags").querySelector("button")!.click();
    await flush();
    expect(names(root)).toEqual(["tweets-ner", "news", "reviews"]); // "" < "lang: en" < "source: …"
  });

  it("pure helpers: filterRows and sortRows", () => {
    expect(filterRows(DATA, "  ").length).toBe(3);
    expect(filterRows(DATA, "en news").map((r) => r.name)).toEqual(["news"]);
    expect(sortRows(DATA, ["created_at", "asc"]).map((r) => r.name)).toEqual([
      "tweets-ner",
      "news",
      "reviews",
    ]);
    expect(formatDate("")).toBe("—");
    expect(formatDate("not a date")).toBe("not a date");
  });
});

describe("open and delete", () => {
  it("clicking a name asks the kernel to open it", async () => {
    const model = new FakeListModel({ _datasets: DATA });
    const root = mount(model);
    button(root, "news").click();
    expect(model.sent).toEqual([
      {
        type: "action",
        request: expect.any(String),
        action: "open",
        name: "news",
        workspace: "/tmp/workspace",
      },
    ]);
    expect(root.querySelector('[role="status"]')!.textContent).toBe("Opening news…");
    model.ack({ ok: false, error: "dataset 'news' does not exist" });
    await flush();
    expect(root.querySelector('[role="alert"]')!.textContent).toBe("dataset 'news' does not exist");
  });

  it("asks for confirmation in the widget before deleting; Cancel sends nothing", async () => {
    const model = new FakeListModel({ _datasets: DATA });
    const root = mount(model);
    button(root, "Delete news").click();
    const dialog = root.querySelector<HTMLElement>('[role="alertdialog"]')!;
    expect(dialog.textContent).toContain("Delete dataset news and its 1,200 records?");
    expect(dialog.getAttribute("aria-label")).toBe("Delete news?");
    expect(document.activeElement).toBe(button(dialog, "Cancel"));
    expect(model.sent).toEqual([]);
    button(dialog, "Cancel").click();
    expect(root.querySelector('[role="alertdialog"]')).toBeNull();
    expect(document.activeElement).toBe(button(root, "Delete news"));
    expect(model.sent).toEqual([]);
  });

  it("Escape cancels the confirmation", () => {
    const model = new FakeListModel({ _datasets: DATA });
    const root = mount(model);
    button(root, "Delete news").click();
    key(button(root, "Cancel"), "Escape");
    expect(root.querySelector('[role="alertdialog"]')).toBeNull();
    expect(model.sent).toEqual([]);
  });

  it("Delete in the confirmation sends the intent; the row is busy until the ack", async () => {
    const model = new FakeListModel({ _datasets: DATA });
    const root = mount(model);
    button(root, "Delete news").click();
    button(root.querySelector('[role="alertdialog"]')!, "Delete").click();
    expect(model.sent).toEqual([
      {
        type: "action",
        request: expect.any(String),
        action: "delete",
        name: "news",
        workspace: "/tmp/workspace",
      },
    ]);
    expect(root.querySelector('[role="alertdialog"]')).toBeNull();
    expect(button(root, "Delete news").disabled).toBe(true);
    expect(root.querySelector('[role="status"]')!.textContent).toBe("Deleting news…");
    model.set(
      "_datasets",
      DATA.filter((d) => d.name !== "news"),
    );
    model.ack({ result: ["reviews", "tweets-ner"] });
    await flush();
    expect(names(root)).toEqual(["reviews", "tweets-ner"]);
    expect(root.querySelector('[role="status"]')!.textContent).toBe("Deleted news.");
  });

  it("a refused delete shows the kernel's error and re-enables the row", async () => {
    const model = new FakeListModel({ _datasets: DATA });
    const root = mount(model);
    button(root, "Delete news").click();
    button(root.querySelector('[role="alertdialog"]')!, "Delete").click();
    model.ack({ ok: false, error: "dataset 'news' does not exist in /tmp/workspace" });
    await flush();
    expect(root.querySelector('[role="alert"]')!.textContent).toContain("'news' does not exist");
    expect(button(root, "Delete news").disabled).toBe(false);
  });

  it("the confirmation goes away if the dataset disappears meanwhile", async () => {
    const model = new FakeListModel({ _datasets: DATA });
    const root = mount(model);
    button(root, "Delete news").click();
    model.set("_datasets", DATA.slice(0, 1));
    await flush();
    expect(root.querySelector('[role="alertdialog"]')).toBeNull();
  });

  it("Refresh asks the kernel to re-read the workspace", () => {
    const model = new FakeListModel({ _datasets: DATA });
    const root = mount(model);
    button(root, "Refresh").click();
    expect(model.sent).toEqual([
      { type: "action", request: expect.any(String), action: "refresh" },
    ]);
  });
});

describe("keys and lifetime", () => {
  it("keys typed in the widget never reach the notebook's document listeners", () => {
    const model = new FakeListModel({ _datasets: DATA });
    const root = mount(model);
    const seen: string[] = [];
    const spy = (e: KeyboardEvent) => seen.push(e.key);
    document.addEventListener("keydown", spy);
    try {
      for (const k of ["a", "b", "d", "m"]) key(search(root), k);
      key(button(root, "news"), "a");
      key(document.body, "x"); // outside the widget: untouched
      expect(seen).toEqual(["x"]);
      expect(root.querySelector(".rw-home")!.getAttribute("data-lm-suppress-shortcuts")).toBe(
        "true",
      );
    } finally {
      document.removeEventListener("keydown", spy);
    }
  });

  it("Escape in the search box clears it", () => {
    const model = new FakeListModel({ _datasets: DATA, query: "news" });
    const root = mount(model);
    key(search(root), "Escape");
    expect(model.traits.query).toBe("");
    expect(search(root).value).toBe("");
  });

  it("captureKeys' remover stops the capture", () => {
    const root = document.createElement("div");
    const inner = document.createElement("input");
    root.appendChild(inner);
    document.body.appendChild(root);
    const got: string[] = [];
    const release = captureKeys(root, (e) => got.push(e.key));
    key(inner, "a");
    release();
    key(inner, "b");
    expect(got).toEqual(["a"]);
    root.remove();
  });

  it("dispose removes every listener and the DOM", () => {
    const model = new FakeListModel({ _datasets: DATA });
    const root = mount(model);
    expect(model.listenerCount()).toBeGreaterThan(0);
    host.cleanup!();
    host.cleanup = null;
    expect(model.listenerCount()).toBe(0);
    expect(root.querySelector(".rw-home")).toBeNull();
  });
});

describe("workspaces", () => {
  const TEAMS = {
    workspace: "team-b",
    _workspaces: ["rubrix", "alpha", "team-b"],
    _workspace_folder: "/home/ada/.rubrix_widgets/_workspaces/team-b",
  };
  const selector = (root: ParentNode) =>
    root.querySelector<HTMLSelectElement>('select[aria-label="Workspace"]')!;
  const nameBox = (root: ParentNode) =>
    root.querySelector<HTMLInputElement>('input[aria-label="New workspace name"]')!;
  const note = (root: ParentNode) =>
    document.getElementById(nameBox(root).getAttribute("aria-describedby")!)!;
  const pick = (root: ParentNode, value: string) => {
    selector(root).value = value;
    selector(root).dispatchEvent(new Event("change"));
  };
  const type = (root: ParentNode, text: string) => {
    nameBox(root).value = text;
    nameBox(root).dispatchEvent(new Event("input"));
  };
  const settle = () => vi.advanceTimersByTimeAsync(0);

  it("the header shows the workspace the list shows, selected among the named ones", () => {
    const root = mount(new FakeListModel({ _datasets: DATA, ...TEAMS }));
    const select = selector(root);
    expect(Array.from(select.options).map((o) => o.textContent)).toEqual([
      "rubrix",
      "alpha",
      "team-b",
      "New workspace…",
    ]);
    expect(select.value).toBe("team-b");
    expect(select.title).toContain("/home/ada/.rubrix_widgets/_workspaces/team-b");
    expect(root.querySelector(".rw-home-top")!.textContent).toContain("Workspace");
    // a folder workspace is not a named one: it is shown (first), and selected
    host.cleanup?.();
    const folder = mount(
      new FakeListModel({ _datasets: [], workspace: "/data/ws", _workspaces: ["rubrix"] }),
    );
    expect(Array.from(selector(folder).options).map((o) => o.textContent)).toEqual([
      "/data/ws",
      "rubrix",
      "New workspace…",
    ]);
    expect(selector(folder).value).toBe("/data/ws");
    expect(folder.textContent).toContain("No datasets yet in workspace /data/ws.");
  });

  it("picking a workspace asks the kernel to switch, then shows what the kernel sends", async () => {
    const model = new FakeListModel({ _datasets: DATA, ...TEAMS });
    const root = mount(model);
    pick(root, "alpha");
    expect(model.sent).toEqual([
      {
        type: "action",
        request: expect.any(String),
        action: "switch_workspace",
        workspace: "alpha",
      },
    ]);
    expect(root.querySelector('[role="status"]')!.textContent).toBe("Opening workspace alpha…");
    model.set("workspace", "alpha");
    model.set("_datasets", DATA.slice(2));
    model.ack({ result: ["tweets-ner"] });
    await flush();
    expect(selector(root).value).toBe("alpha");
    expect(names(root)).toEqual(["tweets-ner"]);
    expect(root.querySelector('[role="status"]')!.textContent).toBe("");
  });

  it("a switch made in Python shows at once", async () => {
    const model = new FakeListModel({ _datasets: DATA, ...TEAMS });
    const root = mount(model);
    model.set("_workspaces", ["rubrix", "alpha", "new-team", "team-b"]);
    model.set("workspace", "new-team");
    model.set("_datasets", []);
    await flush();
    expect(selector(root).value).toBe("new-team");
    expect(root.textContent).toContain("No datasets yet in workspace new-team.");
  });

  it("a refused switch shows the kernel's message and keeps the current workspace selected", async () => {
    const model = new FakeListModel({ _datasets: DATA, ...TEAMS });
    const root = mount(model);
    pick(root, "alpha");
    model.ack({ ok: false, error: "could not write /home/ada/.rubrix_widgets/_workspaces/alpha" });
    await flush();
    expect(selector(root).value).toBe("team-b");
    expect(root.querySelector(".rw-home-ws-note")!.textContent).toContain("could not write");
  });

  it("New workspace… opens a box; the kernel's verdict on the typed name shows under it", async () => {
    vi.useFakeTimers();
    const model = new FakeListModel({ _datasets: DATA, ...TEAMS });
    const root = mount(model);
    expect(nameBox(root).closest<HTMLElement>("[hidden]")).not.toBeNull();
    pick(root, selector(root).options[3].value);
    expect(nameBox(root).closest("[hidden]")).toBeNull();
    expect(document.activeElement).toBe(nameBox(root));
    expect(selector(root).value).toBe("team-b");
    type(root, "my");
    type(root, "my team");
    expect(model.sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(WORKSPACE_CHECK_MS);
    expect(model.sent).toEqual([
      {
        type: "action",
        request: expect.any(String),
        action: "check_workspace",
        workspace: "my team",
      },
    ]);
    const problem =
      "workspace name 'my team' is not allowed: it contains ' '; a workspace name has letters, digits, - and _";
    model.ack({ result: { problem, new: false } });
    await settle();
    expect(note(root).textContent).toBe(problem);
    expect(nameBox(root).getAttribute("aria-invalid")).toBe("true");
    expect(button(root, "Switch").disabled).toBe(true);
    key(nameBox(root), "Enter"); // refused names are not sent
    await settle();
    expect(model.sent.map((m) => m.action)).toEqual(["check_workspace"]);

    type(root, "new-team");
    await vi.advanceTimersByTimeAsync(WORKSPACE_CHECK_MS);
    model.ack({ result: { problem: null, new: true } });
    await settle();
    expect(note(root).textContent).toBe("A new, empty workspace “new-team” will be created.");
    expect(nameBox(root).hasAttribute("aria-invalid")).toBe(false);
    button(root, "Create").click();
    await settle();
    expect(model.sent.at(-1)).toMatchObject({ action: "switch_workspace", workspace: "new-team" });
    model.set("workspace", "new-team");
    model.ack({ result: [] });
    await settle();
    expect(nameBox(root).closest("[hidden]")).not.toBeNull();
  });

  it("Enter before the pause checks the name first; Escape closes the box and sends nothing more", async () => {
    vi.useFakeTimers();
    const model = new FakeListModel({ _datasets: DATA, ...TEAMS });
    const root = mount(model);
    pick(root, selector(root).options[3].value);
    type(root, "alpha");
    key(nameBox(root), "Enter");
    expect(model.sent).toEqual([
      {
        type: "action",
        request: expect.any(String),
        action: "check_workspace",
        workspace: "alpha",
      },
    ]);
    model.ack({ result: { problem: null, new: false } });
    await settle();
    expect(model.sent.at(-1)).toMatchObject({ action: "switch_workspace", workspace: "alpha" });
    model.ack({ ok: false, error: "disk full" });
    await settle();
    expect(note(root).textContent).toBe("disk full");
    const sent = model.sent.length;
    key(nameBox(root), "Escape");
    expect(nameBox(root).closest("[hidden]")).not.toBeNull();
    expect(document.activeElement).toBe(selector(root));
    await vi.advanceTimersByTimeAsync(WORKSPACE_CHECK_MS * 2);
    expect(model.sent).toHaveLength(sent);
  });

  it("renders untrusted workspace names and folders as text, never HTML", async () => {
    vi.useFakeTimers();
    const evil = '<img src=x onerror="window.pwned=1"><b>bold</b>';
    const model = new FakeListModel({
      _datasets: [],
      workspace: `/tmp/${evil}`,
      _workspaces: ["rubrix", evil],
      _workspace_folder: `/tmp/${evil}`,
    });
    const root = mount(model);
    expect(root.querySelector("img")).toBeNull();
    expect(root.querySelector("b")).toBeNull();
    expect(Array.from(selector(root).options).map((o) => o.textContent)).toContain(evil);
    expect(root.textContent).toContain(`No datasets yet in workspace /tmp/${evil}.`);
    pick(root, selector(root).options[3].value);
    type(root, evil);
    await vi.advanceTimersByTimeAsync(WORKSPACE_CHECK_MS);
    model.ack({ result: { problem: `workspace name '${evil}' is not allowed`, new: false } });
    await settle();
    expect(root.querySelector("img")).toBeNull();
    expect(note(root).textContent).toContain(evil);
  });

  it("a delete confirmation asked in one workspace goes away when the list shows another", async () => {
    const model = new FakeListModel({ _datasets: DATA, ...TEAMS });
    const root = mount(model);
    button(root, "Delete news").click();
    model.set("workspace", "alpha"); // alpha has a "news" too: it is another dataset
    await flush();
    expect(root.querySelector('[role="alertdialog"]')).toBeNull();
    button(root, "Delete news").click();
    button(root.querySelector('[role="alertdialog"]')!, "Delete").click();
    expect(model.sent.at(-1)).toMatchObject({ action: "delete", name: "news", workspace: "alpha" });
  });
});

describe("the list's protocol", () => {
  it("says hello once when rendered, and shows the state the kernel sends back (a view made late)", async () => {
    const model = new FakeListModel();
    host.cleanup = widget.render({ model, el: host.el });
    expect(model.sent.map((m) => m.action)).toEqual(["hello"]); // one state send per view
    expect(names(host.el)).toEqual([]);
    model.answerHellos({ _datasets: DATA });
    await flush();
    expect(names(host.el)).toEqual(["reviews", "tweets-ner", "news"]);
  });

  it("gets every reply from the _acks state when the host loses custom messages", async () => {
    vi.useFakeTimers();
    const model = new FakeListModel({ _datasets: DATA, workspace: "rubrix" });
    model.dropMessages = true;
    const root = mount(model);
    button(root, "Delete news").click();
    button(root.querySelector('[role="alertdialog"]')!, "Delete").click();
    model.ack({ result: ["reviews", "tweets-ner"] });
    await vi.advanceTimersByTimeAsync(0);
    expect(root.querySelector('[role="status"]')!.textContent).toBe("Deleted news.");
    expect(button(root, "Delete news").disabled).toBe(false);
    const select = root.querySelector<HTMLSelectElement>('select[aria-label="Workspace"]')!;
    select.value = select.options[select.options.length - 1].value; // New workspace…
    select.dispatchEvent(new Event("change"));
    const box = root.querySelector<HTMLInputElement>('input[aria-label="New workspace name"]')!;
    box.value = "team-c";
    box.dispatchEvent(new Event("input"));
    await vi.advanceTimersByTimeAsync(WORKSPACE_CHECK_MS);
    expect(model.sent.at(-1)).toMatchObject({ action: "check_workspace", workspace: "team-c" });
    model.ack({ result: { problem: null, new: true } });
    await vi.advanceTimersByTimeAsync(0);
    expect(button(root, "Create").disabled).toBe(false);
  });

  it("a reply arriving after the list is gone touches nothing", async () => {
    const model = new FakeListModel({ _datasets: DATA });
    const el = host.el;
    const cleanup = mountList(model, el);
    model.answerHellos();
    el.querySelector<HTMLButtonElement>('button[data-action="open"][data-name="news"]')!.click();
    cleanup();
    expect(model.listenerCount()).toBe(0);
    model.ack({ ok: false, error: "too late" });
    await flush();
    expect(el.childElementCount).toBe(0);
  });

  it("refuses a wrong list intent field or result type at compile time", () => {
    const compileOnly = () => {
      const list = new Requests<ListIntent, ListResults>(new FakeListModel());
      // @ts-expect-error delete names the workspace the list showed
      void list.call({ action: "delete", name: "news" });
      // @ts-expect-error a workspace is a string (a name or a folder)
      void list.call({ action: "switch_workspace", workspace: 3 });
      // @ts-expect-error going back is the home's action, not the list's
      void list.call({ action: "back" });
      const deleted: Promise<Reply<string[]>> = list.call({
        action: "delete",
        name: "news",
        workspace: "rubrix",
      });
      // @ts-expect-error refresh's result is the dataset names, not a count
      const refreshed: Promise<Reply<number>> = list.call({ action: "refresh" });
      // @ts-expect-error check_workspace's result is { problem, new }, not a boolean
      const checked: Promise<Reply<boolean>> = list.call({
        action: "check_workspace",
        workspace: "w",
      });
      const picker: PickerHost = {
        call: (intent) => list.call(intent),
        status: () => undefined,
      };
      // @ts-expect-error the workspace picker sends only the workspace actions
      void picker.call({ action: "open", name: "news", workspace: "rubrix" });
      const badPicker: PickerHost = {
        // @ts-expect-error a picker's host answers with each action's own result type
        call: async () => ({ request: "r", ok: true as const, result: 1 }),
        status: () => undefined,
      };
      return [deleted, refreshed, checked, picker, badPicker];
    };
    expect(typeof compileOnly).toBe("function");
  });
});
