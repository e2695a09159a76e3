"""The compiled tree walk (consumers/pipeline/_treewalk.c) against the numpy walk it replaces."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from consumers.pipeline import trees
from consumers.pipeline.trees import TreeEnsemble, from_lightgbm

classify = importlib.import_module("consumers.pipeline.classify")


def random_tree(rng: np.random.Generator, width: int, depth: int) -> dict:
    if depth == 0 or rng.random() < 0.2:
        return {"leaf_value": float(rng.normal())}
    return {"split_feature": int(rng.integers(width)), "threshold": float(rng.normal()), "decision_type": "<=",
            "left_child": random_tree(rng, width, depth - 1), "right_child": random_tree(rng, width, depth - 1)}


def awkward_rows(ensemble: TreeEnsemble, width: int, count: int, seed: int) -> np.ndarray:
    """Random rows salted with the ensemble's own thresholds (ties), NaN and infinities."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(count, width))
    finite = ensemble.threshold[np.isfinite(ensemble.threshold)]
    ties = rng.random(x.shape) < 0.3
    x[ties] = rng.choice(finite, size=int(ties.sum()))
    specials = rng.random(x.shape) < 0.02
    x[specials] = rng.choice([np.nan, np.inf, -np.inf], size=int(specials.sum()))
    return x


def test_the_install_compiled_the_walk():
    assert trees.COMPILED_WALK, "the _treewalk extension is not built: reinstall with a C compiler (pip install -e .)"


@pytest.mark.skipif(not trees.COMPILED_WALK, reason="the _treewalk extension is not built")
@pytest.mark.parametrize("mode", ["html", "text"])
@pytest.mark.parametrize("stage", ["stage1_trees", "revision_trees"])
def test_shipped_models_reach_the_same_leaves_both_ways(mode, stage):
    ensemble = getattr(classify.load_weights()[mode], stage)
    width = int(ensemble.feature.max()) + 1
    for count in (1, 15, 16, 17, 203):  # below, at and past the rows walked at once
        x = awkward_rows(ensemble, width, count, seed=count)
        assert np.array_equal(ensemble.leaf_values(x), ensemble.leaf_values_numpy(x))
        assert ensemble.raw_scores(x).tolist() == ensemble.leaf_values_numpy(x).sum(axis=1).tolist()


@pytest.mark.skipif(not trees.COMPILED_WALK, reason="the _treewalk extension is not built")
@pytest.mark.parametrize("seed", range(5))
def test_random_ensembles_reach_the_same_leaves_both_ways(seed):
    rng = np.random.default_rng(seed)
    ensemble = from_lightgbm({"tree_info": [{"tree_structure": random_tree(rng, 7, 5)} for _ in range(30)]})
    x = awkward_rows(ensemble, 7, 41, seed)
    assert np.array_equal(ensemble.leaf_values(x), ensemble.leaf_values_numpy(x))


def single_split(children: list[int], feature: int = 0, leaf_threshold: float = np.inf, root: int = 0) -> TreeEnsemble:
    """One split on `feature` at 0.5 over two leaves (values -1 and 1)."""
    return TreeEnsemble(np.array([feature, 0, 0], dtype=np.intp), np.array([0.5, np.inf, leaf_threshold]),
                        np.array(children, dtype=np.intp), np.array([0.0, -1.0, 1.0]),
                        np.array([root], dtype=np.intp), 1)


@pytest.mark.skipif(not trees.COMPILED_WALK, reason="the _treewalk extension is not built")
@pytest.mark.parametrize("ensemble, why", [
    (single_split([2, 1, 2]), "the right child of node 0 would be node 3 of 3"),
    (single_split([-1, 1, 2]), "a negative child"),
    (single_split([1, 1, 2], feature=5), "a feature past the row's width"),
    (single_split([1, 1, 2], leaf_threshold=0.0), "a self-loop that is not a leaf"),
    (single_split([1, 1, 2], root=3), "a root past the nodes"),
])
def test_nodes_pointing_outside_are_refused_before_the_walk(ensemble, why):
    with pytest.raises(ValueError):
        ensemble.leaf_values(np.zeros((3, 2)))


@pytest.mark.skipif(not trees.COMPILED_WALK, reason="the _treewalk extension is not built")
def test_arrays_of_other_types_are_refused():
    good = single_split([1, 1, 2])
    assert good.leaf_values(np.array([[0.0, 0.0], [1.0, 0.0]])).tolist() == [[-1.0], [1.0]]
    narrow = TreeEnsemble(good.feature.astype(np.int32), good.threshold, good.children, good.value, good.roots, 1)
    with pytest.raises(ValueError):
        narrow.leaf_values(np.zeros((2, 2)))
    with pytest.raises(ValueError):
        good.leaf_values(np.zeros((2, 2), dtype=np.float32))
