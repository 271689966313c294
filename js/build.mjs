// Bundle each widget's TypeScript into one ESM file under rubrix_widgets/static/
// (anywidget cannot load relative chunks, so no code splitting), and write its CSS
// (the shared theme.css first).
import { build, context } from "esbuild";
import { mkdir, readFile, writeFile } from "node:fs/promises";

const out = "../rubrix_widgets/static";
const widgets = ["dataset_page", "dataset_list"];
const options = {
  entryPoints: widgets.map((w) => `src/${w}.ts`),
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2020",
  outdir: out,
  logLevel: "info",
};

await mkdir(out, { recursive: true });
const theme = await readFile("src/theme.css", "utf8");
for (const w of widgets) {
  await writeFile(`${out}/${w}.css`, theme + "\n" + (await readFile(`src/${w}.css`, "utf8")));
}
if (process.argv.includes("--watch")) {
  await (await context(options)).watch();
} else {
  await build(options);
}
