// theme.css picks every colour from the host first and the colour scheme last: JupyterLab's
// --jp-* variables, marimo's dark/light theme, Panel's --panel-* variables, VS Code's
// --vscode-* variables, then light or (prefers-color-scheme: dark) dark. Read the CSS and
// check that order for each colour, and that each source is defined where it applies.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const css = readFileSync(join(process.cwd(), "src", "theme.css"), "utf8").replace(
  /\/\*[\s\S]*?\*\//g,
  "",
);
const COLOURS = [
  "bg",
  "bg-soft",
  "bg-strong",
  "fg",
  "fg-soft",
  "border",
  "border-strong",
  "brand",
  "brand-fg",
  "ok",
  "ko",
  "warn",
];

interface Rule {
  media: string;
  selector: string;
  declarations: Map<string, string>;
}

/** Style rules (one level of @media), each with its declarations. */
function rules(text: string, media = ""): Rule[] {
  const found: Rule[] = [];
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf("{", at);
    if (open < 0) break;
    const prelude = text.slice(at, open).trim();
    if (prelude.startsWith("@media")) {
      let depth = 1;
      let end = open + 1;
      for (; depth; end++) {
        if (text[end] === "{") depth++;
        else if (text[end] === "}") depth--;
      }
      found.push(...rules(text.slice(open + 1, end - 1), prelude));
      at = end;
      continue;
    }
    const close = text.indexOf("}", open);
    const declarations = new Map<string, string>();
    for (const part of text.slice(open + 1, close).split(";")) {
      const colon = part.indexOf(":");
      if (colon > 0) declarations.set(part.slice(0, colon).trim(), part.slice(colon + 1).trim());
    }
    found.push({ media, selector: prelude.replace(/\s+/g, " "), declarations });
    at = close + 1;
  }
  return found;
}

const all = rules(css);
const definedIn = (name: string) => all.filter((r) => r.declarations.has(name));
const base = all.find(
  (r) => !r.media && r.selector === ".rw-root, .rw-home" && r.declarations.has("--rw-bg"),
)!;

describe("theme.css", () => {
  it("defines each colour once, from JupyterLab, then marimo, Panel, VS Code, then the colour scheme", () => {
    expect(base).toBeDefined();
    for (const colour of COLOURS) {
      const value = base.declarations.get(`--rw-${colour}`) ?? "";
      const sources = [...value.matchAll(/var\((--[\w-]+)/g)].map((m) => m[1]);
      expect(sources, colour).toHaveLength(5);
      const [jupyter, marimo, panel, vscode, scheme] = sources;
      expect(jupyter, colour).toMatch(/^--jp-/);
      expect(marimo, colour).toBe(`--rw-marimo-${colour}`);
      expect(panel, colour).toBe(`--rw-panel-${colour}`);
      expect(vscode, colour).toMatch(/^--vscode-/);
      expect(scheme, colour).toBe(`--rw-scheme-${colour}`);
      expect(definedIn(`--rw-${colour}`), colour).toHaveLength(1); // defined once
    }
  });

  it("gives marimo's dark and light themes a value for every colour, in the page and in a shadow root", () => {
    for (const colour of COLOURS) {
      const selectors = definedIn(`--rw-marimo-${colour}`).map((r) => r.selector);
      expect(selectors, colour).toEqual(
        expect.arrayContaining([
          "body.dark-theme :is(.rw-root, .rw-home)",
          "body.light-theme :is(.rw-root, .rw-home)",
          ":host-context(body.dark-theme) :is(.rw-root, .rw-home)",
          ":host-context(body.light-theme) :is(.rw-root, .rw-home)",
        ]),
      );
      // :host-context() is alone in its rule: a browser without it drops only that rule
      for (const selector of selectors) {
        if (selector.includes(":host-context("))
          expect(selector.replace(/:is\([^)]*\)/g, ""), selector).not.toContain(",");
      }
    }
  });

  it("takes Panel's colours only from Panel's own variables (no fallback inside: absent outside Panel)", () => {
    for (const colour of COLOURS) {
      const value = base.declarations.get(`--rw-panel-${colour}`) ?? "";
      expect(value, colour).toMatch(/var\(--panel-[\w-]+\)/);
    }
  });

  it("falls back to light, and to dark when the system prefers it", () => {
    const dark = all.find((r) => r.media.includes("prefers-color-scheme: dark"));
    expect(dark).toBeDefined();
    for (const colour of COLOURS) {
      expect(base.declarations.get(`--rw-scheme-${colour}`), colour).toBeTruthy();
      const value = dark!.declarations.get(`--rw-scheme-${colour}`);
      expect(value, colour).toBeTruthy();
      expect(value, colour).not.toBe(base.declarations.get(`--rw-scheme-${colour}`));
    }
  });
});
