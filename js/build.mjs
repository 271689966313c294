// Bundle each widget's TypeScript into one ESM file under rubrix_widgets/static/
// (anywidget cannot load relative chunks, so no code splitting), and copy its CSS.
import { build, context } from "esbuild";
import { copyFile, mkdir } from "node:fs/promises";

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
for (const w of widgets) await copyFile(`src/${w}.css`, `${out}/${w}.css`);
if (process.argv.includes("--watch")) {
  await (await context(options)).watch();
} else {
  await build(options);
}
