// Rubrix's home page in ONE widget (rb.home(), rb.show() with no name): the list of
// datasets while `dataset_name` is "", and otherwise that dataset's page with a "Back to
// datasets" button. One widget, so it renders wherever anywidgets render (marimo and
// Panel do not follow a container swapping its children); opening a dataset is a state
// change made by the kernel (rubrix_widgets/widgets/home_page.py), never a new widget.
//
// The list view is dataset_list.ts's, given a model adapter that reads and writes its
// `query` and `sort` as the home's `list_query` and `list_sort` (the page's own `query`
// and `sort` are the page's search and order); the page view is page_view.ts's. Each
// switch disposes the view shown before (its listeners, timers and elements).
//
// The home's own view is a ViewBase (view_base.ts) typed by HomeIntent/HomeResults
// (protocol.ts), though it sends only `back`: the view it shows says `hello` for it (one
// hello per view shown, so the kernel sends its state once), and a `dataset_name` that
// state changes swaps that view.
import type { AnyModel, AnyWidget } from "@anywidget/types";
import { type ListModel, type ListTraits, mountList } from "./dataset_list";
import { h } from "./dom";
import { clip } from "./format";
import { captureKeys } from "./keys";
import { mountPage } from "./page_view";
import type { HomeIntent, HomeResults, Reply } from "./protocol";
import type { Traits } from "./types";
import { activeIn, ViewBase } from "./view_base";

/** The home's traits: the page's, plus the list's (its search and sort renamed). */
export interface HomeTraits extends Traits {
  list_query: string;
  list_sort: ListTraits["sort"];
  workspace: string;
  _workspace_folder?: string;
  _workspaces?: string[];
  _datasets: ListTraits["_datasets"];
}

/** The home's model: anywidget's, with the home's traits. It is the page's model too
 * (the home's traits include the page's), so the page view mounts on it as it is. */
export type HomeModel = AnyModel<HomeTraits>;

/** The list's traits that the home model holds under another name. */
export const LIST_RENAMES: Readonly<Record<string, keyof HomeTraits>> = {
  query: "list_query",
  sort: "list_sort",
};

function renamed(name: string): string {
  return LIST_RENAMES[name] ?? name;
}

function renamedEvent(event: string): string {
  return event.startsWith("change:") ? `change:${renamed(event.slice("change:".length))}` : event;
}

/** The home's model as the list view sees it: `query`/`sort` are `list_query`/`list_sort`
 * (reads, writes and change events); everything else passes through. */
export function listModel(model: HomeModel): ListModel {
  return {
    get: (name) => model.get(renamed(name) as keyof HomeTraits) as never,
    set: (name, value) => model.set(renamed(name) as keyof HomeTraits, value as never),
    save_changes: () => model.save_changes(),
    on: (event, callback) => model.on(renamedEvent(event), callback),
    // Never all listeners at once: the model is shared with this home's other parts.
    off: (event, callback) => {
      if (event && callback) model.off(renamedEvent(event), callback);
    },
    send: (content) => model.send(content),
  };
}

class HomeView extends ViewBase<HomeTraits, HomeIntent, HomeResults> {
  readonly root: HTMLElement;
  private shown: string | null = null; // "" for the list, else the dataset's name
  private unmount: (() => void) | null = null;
  private alert: HTMLElement;

  constructor(
    private readonly home: HomeModel,
    el: HTMLElement,
  ) {
    super(home);
    this.alert = h("div", { class: "rw-home-error", role: "alert" });
    this.root = h("div", { class: "rw-home-widget" });
    el.appendChild(this.root);
    // Keys typed on the back button must not reach the host's shortcuts either (the
    // list and the page capture their own).
    this.onDispose(captureKeys(this.root, () => undefined));
    this.onDispose(() => {
      this.unmount?.();
      this.unmount = null;
      this.root.remove();
    });
    this.listen("change:dataset_name", () => this.show());
    this.show();
  }

  /** Show the list or the page `dataset_name` names, disposing what was shown. */
  private show(): void {
    const name = this.get("dataset_name") ?? "";
    if (name === this.shown || this.disposed) return;
    const hadFocus = activeIn(this.root) !== null && this.root.contains(activeIn(this.root));
    const previous = this.shown;
    this.unmount?.();
    this.unmount = null;
    this.root.replaceChildren();
    this.alert.textContent = "";
    this.shown = name;
    if (!name) {
      this.unmount = mountList(listModel(this.home), this.root);
      if (hadFocus && previous) {
        this.root
          .querySelector<HTMLElement>(`[data-key="${CSS.escape(`open:${previous}`)}"]`)
          ?.focus();
      }
      return;
    }
    const back = h(
      "button",
      {
        type: "button",
        class: "rw-home-back",
        "data-key": "back",
        title: "Back to the list of datasets",
        onclick: () => void this.back(back),
      },
      h("span", { "aria-hidden": "true" }, "← "),
      "Back to datasets",
    );
    const holder = h("div", { class: "rw-home-page" });
    this.root.append(h("div", { class: "rw-home-backbar" }, back, this.alert), holder);
    const unmountPage = mountPage(this.home, holder);
    this.unmount = () => {
      unmountPage();
      holder.remove();
    };
    if (hadFocus) back.focus(); // the clicked name is gone: keep the keyboard in the widget
  }

  /** Ask the kernel for the list (its result: the workspace's dataset names); the new
   * `dataset_name` it sends swaps the page for the list. */
  private async back(button: HTMLButtonElement): Promise<Reply<HomeResults["back"]>> {
    button.disabled = true;
    const reply = await this.requests.call({ action: "back" });
    if (!this.disposed && !reply.ok) {
      button.disabled = false;
      this.alert.textContent = clip(reply.error || "could not go back to the list", 2000);
    }
    return reply;
  }
}

/** Mount the home page for `model` in `el`; returns the cleanup. */
export function mountHome(model: HomeModel, el: HTMLElement): () => void {
  const view = new HomeView(model, el);
  return () => view.dispose();
}

// Only the default export: anywidget deprecates a module's direct `render` export.
export default {
  render({ model, el }) {
    return mountHome(model, el);
  },
} satisfies AnyWidget<HomeTraits>;
