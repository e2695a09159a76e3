"""A boosted tree ensemble evaluated with numpy, all trees and all blocks at once.

Both stages of the classifier are gradient-boosted ensembles (fitted by LightGBM in
bench/train_classifier.py; LightGBM is a training-only dependency). Its trees are stored as flat
node arrays: every tree is padded to the same depth by making each leaf point to itself, so one
vectorised step per level moves every (block, tree) pair down one node, and the scores are the
sums of the leaves reached. No Python loop runs per block or per tree.

The walk itself runs in C when the optional extension `_treewalk` is built (setup.py): both
stages' walks take 0.6 ms per wcxb-dev page instead of 2.1, a tenth of a page's time. Both
walks hand numpy the same leaf values to sum, so the scores are the same bits either way;
`COMPILED_WALK` says which one runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

try:
    from consumers.pipeline._treewalk import leaf_values as _compiled_leaf_values
except ImportError:  # installed without a C compiler: the numpy walk below
    _compiled_leaf_values = None

COMPILED_WALK = _compiled_leaf_values is not None


@dataclass(frozen=True, eq=False)
class TreeEnsemble:
    """Flat nodes of all trees: tree t's root is node `roots[t]`; a leaf loops to itself."""

    feature: np.ndarray    # intp, feature tested at each node (0 at leaves)
    threshold: np.ndarray  # float64, go left when x <= threshold (+inf at leaves)
    children: np.ndarray   # intp, the left child's index (the right one follows it); itself at leaves
    value: np.ndarray      # float64, leaf value (0 at inner nodes)
    roots: np.ndarray      # intp, one root per tree
    depth: int             # levels to walk so every path reaches its leaf

    def raw_scores(self, rows: Sequence[Sequence[float]]) -> np.ndarray:
        """The ensemble's summed leaf values (log-odds) for each row."""
        x = np.asarray(rows, dtype=np.float64)
        if x.ndim != 2 or not len(x):
            return np.zeros(len(x))
        return self.leaf_values(x).sum(axis=1)

    def leaf_values(self, x: np.ndarray) -> np.ndarray:
        """The value of the leaf each row of `x` (float64, rows x features) reaches in each tree."""
        if _compiled_leaf_values is None:
            return self.leaf_values_numpy(x)
        out = np.empty((len(x), len(self.roots)))
        _compiled_leaf_values(np.ascontiguousarray(x), self.feature, self.threshold, self.children, self.value,
                              self.roots, self.depth, out)
        return out

    def leaf_values_numpy(self, x: np.ndarray) -> np.ndarray:
        # Row r's feature f sits at r * width + f of the flattened rows: 1-D takes are cheaper
        # than 2-D fancy indexing.
        flat, row_start = x.ravel(), (np.arange(len(x)) * x.shape[1])[:, None]
        # The first step from the roots tests one column per tree: a column gather of x instead
        # of three takes over (rows x trees) node indices.
        roots = self.roots
        if not self.depth:  # every tree is a single leaf
            return self.value.take(np.broadcast_to(roots, (len(x), len(roots))))
        node = self.children.take(roots) + (x.take(self.feature.take(roots), axis=1) > self.threshold.take(roots))
        for _ in range(self.depth - 1):
            goes_right = flat.take(row_start + self.feature.take(node)) > self.threshold.take(node)
            node = self.children.take(node) + goes_right
        return self.value.take(node)

    def probabilities(self, rows: Sequence[Sequence[float]]) -> list[float]:
        z = np.clip(self.raw_scores(rows), -30.0, 30.0)
        return (1.0 / (1.0 + np.exp(-z))).tolist()

    def to_json(self) -> dict[str, Any]:
        return {"feature": self.feature.tolist(), "threshold": [_finite(t) for t in self.threshold.tolist()],
                "children": self.children.tolist(), "value": self.value.tolist(), "roots": self.roots.tolist(),
                "depth": self.depth}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "TreeEnsemble":
        threshold = np.array([np.inf if t is None else t for t in data["threshold"]], dtype=np.float64)
        return cls(np.array(data["feature"], dtype=np.intp), threshold, np.array(data["children"], dtype=np.intp),
                   np.array(data["value"], dtype=np.float64), np.array(data["roots"], dtype=np.intp),
                   int(data["depth"]))


def _finite(value: float) -> float | None:
    return None if value == float("inf") else value


def from_lightgbm(dump: dict[str, Any]) -> TreeEnsemble:
    """Flatten a LightGBM `Booster.dump_model()` (numerical `<=` splits; no missing values occur).
    A node's two children take consecutive slots, so `children` holds only the left one."""
    nodes: list[list[float]] = []   # [feature, threshold, children, value]
    roots, depth = [], 0

    def new_slot() -> int:
        nodes.append([0, float("inf"), len(nodes), 0.0])
        return len(nodes) - 1

    def fill(index: int, node: dict[str, Any], level: int) -> None:
        nonlocal depth
        if "split_feature" not in node:
            nodes[index][3] = float(node.get("leaf_value", 0.0))
            depth = max(depth, level)
            return
        if node.get("decision_type", "<=") != "<=":
            raise ValueError(f"unsupported split {node.get('decision_type')!r}")
        left = new_slot()
        new_slot()
        nodes[index][:3] = [node["split_feature"], float(node["threshold"]), left]
        fill(left, node["left_child"], level + 1)
        fill(left + 1, node["right_child"], level + 1)

    for tree in dump["tree_info"]:
        root = new_slot()
        roots.append(root)
        fill(root, tree["tree_structure"], 0)
    table = list(zip(*nodes)) if nodes else [[], [], [], []]
    return TreeEnsemble(np.array(table[0], dtype=np.intp), np.array(table[1], dtype=np.float64),
                        np.array(table[2], dtype=np.intp), np.array(table[3], dtype=np.float64),
                        np.array(roots, dtype=np.intp), depth)
