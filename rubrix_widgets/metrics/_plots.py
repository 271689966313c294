"""The charts of ``MetricSummary.visualize()``, drawn with matplotlib (imported only here).

Figures are made with pyplot (so notebooks know how to show them) and then
closed in pyplot, so a cell that ends with ``summary.visualize()`` shows the
chart once, as the cell's value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

INSTALL_HINT = (
    "visualize() draws with matplotlib, which is not installed: "
    "pip install 'rubrix_widgets[plot]' (or pip install matplotlib)"
)
_MEASURES = ("precision", "recall", "f1")


def pyplot():
    """matplotlib.pyplot, or an ImportError saying what to install."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    return plt


def _figure(width: float = 7.0, height: float = 4.0, columns: int = 1, **kwargs):
    plt = pyplot()
    figure, axes = plt.subplots(1, columns, figsize=(width, height), layout="constrained", **kwargs)
    plt.close(figure)
    return figure, axes


def _no_data(figure, axes, title: str):
    axes.set_axis_off()
    axes.text(0.5, 0.5, "No data", ha="center", va="center", fontsize=16, color="0.4")
    figure.suptitle(title)
    return figure


def _tick_labels(axes, labels: Sequence[str]) -> None:
    axes.set_xticks(range(len(labels)))
    rotate = len(labels) > 6 or max((len(label) for label in labels), default=0) > 10
    axes.set_xticklabels(labels, rotation=45 if rotate else 0, ha="right" if rotate else "center")


def bar(data: Mapping, title: str, xlabel: str = "", ylabel: str = "count"):
    """One bar per key (in the order of ``data``)."""
    figure, axes = _figure(max(6.0, 0.35 * len(data) + 2), 4.0)
    if not data:
        return _no_data(figure, axes, title)
    keys = [str(k) for k in data]
    axes.bar(range(len(keys)), list(data.values()), color="#4c72b0")
    _tick_labels(axes, keys)
    axes.set(xlabel=xlabel, ylabel=ylabel)
    figure.suptitle(title)
    return figure


def histogram(data: Mapping, title: str, xlabel: str, interval: float):
    """Buckets keyed by their start, drawn ``interval`` wide."""
    figure, axes = _figure()
    if not data:
        return _no_data(figure, axes, title)
    axes.bar(
        [float(k) for k in data], list(data.values()), width=interval, align="edge", color="#4c72b0"
    )
    axes.set(xlabel=xlabel, ylabel="count")
    figure.suptitle(title)
    return figure


def f1(table: Mapping | None, title: str):
    """Averages (macro, micro) and per-label precision / recall / F1 side by side."""
    if not table:
        figure, axes = _figure()
        return _no_data(figure, axes, title)
    labels = list(table["per_label"])
    figure, (left, right) = _figure(
        max(9.0, 0.6 * len(labels) + 5), 4.0, columns=2, width_ratios=[1, max(2, len(labels) / 3)]
    )
    _grouped(left, ["macro", "micro"], [table["macro"], table["micro"]])
    left.set_title("averages")
    _grouped(right, labels, list(table["per_label"].values()))
    right.set_title("per label")
    right.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    figure.suptitle(title)
    return figure


def f1_flat(data: Mapping, title: str):
    """:func:`f1` of Rubrix's flat F1 dict (``precision_macro``, ``<label>_recall``...)."""
    if not data:
        return f1(None, title)
    averages = {
        average: {m: data.get(f"{m}_{average}", 0.0) for m in _MEASURES}
        for average in ("macro", "micro")
    }
    per_label: dict[str, dict] = {}
    for key, value in data.items():
        label, _, measure = key.rpartition("_")
        if measure in _MEASURES and label:
            per_label.setdefault(label, dict.fromkeys(_MEASURES, 0.0))[measure] = value
    return f1({**averages, "per_label": per_label}, title)


def _grouped(axes, groups: Sequence[str], values: Sequence[Mapping]) -> None:
    width = 0.8 / len(_MEASURES)
    for k, measure in enumerate(_MEASURES):
        axes.bar(
            [i + (k - 1) * width for i in range(len(groups))],
            [v[measure] for v in values],
            width=width,
            label=measure,
        )
    _tick_labels(axes, list(groups))
    axes.set_ylim(0, 1.05)


def heatmap(labels: Sequence[str], matrix: Sequence[Sequence[int]], title: str):
    """The confusion matrix: annotated labels down, predicted labels across, counts inside."""
    size = len(labels)
    figure, axes = _figure(max(5.0, 0.5 * size + 3), max(4.0, 0.5 * size + 2))
    if not size:
        return _no_data(figure, axes, title)
    image = axes.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=axes, label="records")
    top = max(max(row) for row in matrix) or 1
    if size <= 30:  # beyond that the numbers would not fit in their cells
        for i, row in enumerate(matrix):
            for j, count in enumerate(row):
                color = "white" if count > top / 2 else "black"
                axes.text(j, i, str(count), ha="center", va="center", color=color, fontsize=8)
    _tick_labels(axes, list(labels))
    axes.set_yticks(range(size))
    axes.set_yticklabels(labels)
    axes.set(xlabel="predicted", ylabel="annotated")
    figure.suptitle(title)
    return figure


def stacked_bar(x: Sequence[str], stacks: Mapping[str, Sequence[int]], title: str):
    """One bar per ``x``, stacked by the keys of ``stacks`` (top mentions by label)."""
    figure, axes = _figure(max(6.0, 0.35 * len(x) + 2), 4.0)
    if not x:
        return _no_data(figure, axes, title)
    bottom = [0] * len(x)
    for label, heights in stacks.items():
        axes.bar(range(len(x)), heights, bottom=bottom, label=label)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    _tick_labels(axes, list(x))
    axes.set(ylabel="count")
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    figure.suptitle(title)
    return figure
