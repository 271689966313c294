// The home list's workspace selector: the named workspaces (the kernel's
// ws.list_workspaces, current one selected) and "New workspace…", which opens a box
// to type a name. The kernel checks names (ws.workspace_problem; its message shows
// under the box as one types) and switches (ws.set_workspace): this component only
// sends intents and shows the answers. Workspace names and folders are shown as text.
import { h, replaceChildren } from "./dom";
import { clip } from "./format";
import type { ListIntent, ListResults, Reply, WorkspaceCheck } from "./protocol";

export const WORKSPACE_CHECK_MS = 250;
const NEW_OPTION = "\u0000new"; // the value of "New workspace…": no workspace name has a NUL

/** The intents the picker sends: the list's workspace actions. */
export type PickerIntent = Extract<ListIntent, { action: "switch_workspace" | "check_workspace" }>;

export interface PickerHost {
  /** Send an intent to the kernel; resolves with its reply, its result typed per action. */
  call<T extends PickerIntent>(intent: T): Promise<Reply<ListResults[T["action"]]>>;
  /** Say something in the list's status line. */
  status(text: string): void;
}

/** The kernel's verdict on a typed name, with the name it is about. */
interface Check extends WorkspaceCheck {
  name: string;
}

let nextId = 1;

export class WorkspacePicker {
  readonly root: HTMLElement;
  private select: HTMLSelectElement;
  private form: HTMLElement;
  private input: HTMLInputElement;
  private submit: HTMLButtonElement;
  private note: HTMLElement;
  private optionsKey = "";
  private current = "";
  private timer: ReturnType<typeof setTimeout> | null = null;
  private checked: Check | null = null;
  private disposed = false;

  constructor(private host: PickerHost) {
    const noteId = `rw-home-ws-note-${nextId++}`;
    this.select = h("select", {
      class: "rw-home-ws-select",
      "aria-label": "Workspace",
      "data-key": "workspace",
      onchange: () => this.chosen(),
    });
    this.input = h("input", {
      type: "text",
      class: "rw-home-ws-input",
      "aria-label": "New workspace name",
      "aria-describedby": noteId,
      placeholder: "new workspace name",
      spellcheck: "false",
      autocomplete: "off",
      "data-key": "workspace-name",
      oninput: () => this.typed(),
    });
    this.submit = h(
      "button",
      { type: "button", "data-key": "workspace-switch", onclick: () => void this.submitTyped() },
      "Switch",
    );
    this.form = h(
      "span",
      { class: "rw-home-ws-form", hidden: true },
      this.input,
      this.submit,
      h(
        "button",
        { type: "button", "data-key": "workspace-cancel", onclick: () => this.closeForm() },
        "Cancel",
      ),
    );
    this.note = h("div", { id: noteId, class: "rw-home-ws-note", "aria-live": "polite" });
    this.root = h(
      "div",
      { class: "rw-home-ws" },
      h(
        "div",
        { class: "rw-home-ws-row" },
        h(
          "label",
          { class: "rw-home-ws-label" },
          h("span", { "aria-hidden": "true" }, "Workspace"),
          this.select,
        ),
        this.form,
      ),
      this.note,
    );
  }

  get adding(): boolean {
    return !this.form.hidden;
  }

  /** Show the kernel's state: the current workspace (a name, or a folder path), the
   * named workspaces, and the current workspace's folder. */
  update(current: string, names: string[], folder: string): void {
    const options = names.includes(current) || !current ? names : [current, ...names];
    const key = JSON.stringify([current, options]);
    this.select.title = folder ? `Workspace folder: ${folder}` : "";
    if (key === this.optionsKey) return;
    this.optionsKey = key;
    this.current = current;
    replaceChildren(
      this.select,
      options.map((name) =>
        h("option", { value: name, selected: name === current }, clip(name, 80)),
      ),
      h("option", { value: NEW_OPTION }, "New workspace…"),
    );
    this.select.value = current;
  }

  /** Keys typed in the picker (the list routes them here first); true when handled. */
  onKey(e: KeyboardEvent): boolean {
    if (e.target !== this.input) return false;
    if (e.key === "Escape") {
      e.preventDefault();
      this.closeForm();
      return true;
    }
    if (e.key === "Enter") {
      e.preventDefault();
      void this.submitTyped();
      return true;
    }
    return false;
  }

  /** Switch to workspace ``name`` (the kernel checks it); the reply says how it went
   * (its result: the new workspace's dataset names). */
  switchTo(name: string): Promise<Reply<string[]>> {
    this.host.status(`Opening workspace ${clip(name, 80)}…`);
    this.say("");
    return this.host.call({ action: "switch_workspace", workspace: name }).then((reply) => {
      if (this.disposed) return reply;
      this.host.status("");
      if (!reply.ok) {
        this.select.value = this.current;
        this.say(reply.error || "the kernel did not switch workspace", true);
      } else if (this.adding) {
        this.closeForm();
      }
      return reply;
    });
  }

  private chosen(): void {
    const value = this.select.value;
    if (value === NEW_OPTION) this.openForm();
    else if (value !== this.current) void this.switchTo(value);
  }

  private openForm(): void {
    this.form.hidden = false;
    this.select.value = this.current;
    this.input.value = "";
    this.checked = null;
    this.submit.textContent = "Switch";
    this.submit.disabled = false;
    this.say("");
    this.input.focus();
  }

  closeForm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.form.hidden = true;
    this.input.removeAttribute("aria-invalid");
    this.say("");
    this.select.value = this.current;
    if (!this.disposed) this.select.focus();
  }

  private typed(): void {
    this.submit.disabled = false; // until the kernel has said what it thinks of the new text
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.checkNow(), WORKSPACE_CHECK_MS);
  }

  /** Ask the kernel what it thinks of the typed name; show its answer under the box. */
  private async checkNow(): Promise<Check | null> {
    if (this.timer) clearTimeout(this.timer); // Enter before the pause: check once, now
    this.timer = null;
    const name = this.input.value;
    const reply = await this.host.call({ action: "check_workspace", workspace: name });
    if (this.disposed || name !== this.input.value || !this.adding) return null;
    if (!reply.ok) {
      this.say(reply.error || "the kernel could not check this name", true);
      return null;
    }
    const answer = reply.result;
    this.checked = { name, problem: answer.problem, new: answer.new };
    if (answer.problem) this.say(answer.problem, true);
    else
      this.say(
        answer.new
          ? `A new, empty workspace “${clip(name, 80)}” will be created.`
          : `Workspace “${clip(name, 80)}” exists.`,
      );
    this.submit.textContent = answer.new && !answer.problem ? "Create" : "Switch";
    this.submit.disabled = Boolean(answer.problem);
    return this.checked;
  }

  private async submitTyped(): Promise<void> {
    const name = this.input.value;
    const check = this.checked?.name === name ? this.checked : await this.checkNow();
    if (!check || check.problem || this.disposed) return;
    await this.switchTo(name);
  }

  private say(text: string, problem = false): void {
    this.note.textContent = clip(text, 2000);
    this.note.classList.toggle("rw-home-ws-problem", problem);
    if (this.adding) {
      if (problem) this.input.setAttribute("aria-invalid", "true");
      else this.input.removeAttribute("aria-invalid");
    }
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
