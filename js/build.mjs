// Bundle each widget's TypeScript into one ESM file under rubrix_widgets/static/
// (anywidget cannot load relative chunks, so no code splitting), and write its CSS
// (the shared theme.css first, then the styles of the views it shows).

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { build, context } from "esbuild";

const out = "../rubrix_widgets/static";
// Each bundle and its style sheets, in order. The home shows the list and the page.
const widgets = {
  dataset_page: ["theme", "dataset_page", "embedding_map"],
  dataset_list: ["theme", "dataset_list"],
  home: ["theme", "dataset_list", "dataset_page", "embedding_map", "home"],
};
const options = {
  entryPoints: Object.keys(widgets).map((w) => `src/${w}.ts`),
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2020",
  outdir: out,
  logLevel: "info",
};

await mkdir(out, { recursive: true });
for (const [w, sheets] of Object.entries(widgets)) {
  const parts = await Promise.all(sheets.map((s) => readFile(`src/${s}.css`, "utf8")));
  await writeFile(`${out}/${w}.css`, parts.join("\n"));
}
if (process.argv.includes("--watch")) {
  await (await context(options)).watch();
} else {
  await build(options);
}
