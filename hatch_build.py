"""Build the widgets' front end (js/ -> rubrix_widgets/static/) when the package is built.

`pip install .` and `pip install -e .` run this, so the wheel always carries
the bundle and users never need node. Without npm, an existing bundle is used.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUNDLES = ("dataset_page.js", "dataset_page.css", "dataset_list.js", "dataset_list.css")


class FrontEndBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        js, static = root / "js", root / "rubrix_widgets" / "static"
        built = [static / name for name in BUNDLES]
        sources = [p for p in js.glob("src/**/*") if p.is_file()] + [js / "build.mjs"]
        stale = not all(p.exists() for p in built) or (
            max(p.stat().st_mtime for p in sources if p.exists())
            > min(p.stat().st_mtime for p in built)
        )
        npm = shutil.which("npm")
        if stale and js.is_dir() and npm:
            if not (js / "node_modules").is_dir():
                subprocess.run([npm, "install", "--no-audit", "--no-fund"], cwd=js, check=True)
            subprocess.run([npm, "run", "build"], cwd=js, check=True)
        missing = [str(p) for p in built if not p.exists()]
        if missing:
            raise RuntimeError(
                f"the widgets' front end is not built ({', '.join(missing)}) and npm was not "
                "found: install node 18+ and run `cd js && npm install && npm run build`"
            )
        build_data["artifacts"].extend(f"rubrix_widgets/static/{name}" for name in BUNDLES)
