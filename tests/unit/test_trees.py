"""The numpy tree ensemble on hand-built trees in LightGBM's dump format."""

from __future__ import annotations

import math

import orjson
import pytest

from consumers.pipeline.trees import TreeEnsemble, from_lightgbm


def leaf(value: float) -> dict:
    return {"leaf_value": value}


def split(feature: int, threshold: float, left: dict, right: dict) -> dict:
    return {"split_feature": feature, "threshold": threshold, "decision_type": "<=",
            "left_child": left, "right_child": right}


# Tree 1 is two levels deep on one side only; tree 2 is a single leaf (a constant).
DUMP = {"tree_info": [
    {"tree_structure": split(0, 0.5, leaf(-1.0), split(1, 10.0, leaf(0.5), leaf(2.0)))},
    {"tree_structure": leaf(0.25)},
]}


def by_hand(row: list[float]) -> float:
    first = -1.0 if row[0] <= 0.5 else (0.5 if row[1] <= 10.0 else 2.0)
    return first + 0.25


@pytest.mark.parametrize("row", [[0.0, 0.0], [0.5, 99.0], [0.6, 10.0], [0.6, 10.5], [3.0, -4.0]])
def test_scores_follow_the_splits_including_equal_values(row):
    ensemble = from_lightgbm(DUMP)
    assert ensemble.raw_scores([row])[0] == pytest.approx(by_hand(row))


def test_rows_are_scored_independently_in_one_call():
    rows = [[0.0, 0.0], [0.6, 10.5], [0.6, 1.0]]
    ensemble = from_lightgbm(DUMP)
    assert ensemble.raw_scores(rows).tolist() == pytest.approx([by_hand(r) for r in rows])
    assert ensemble.probabilities(rows) == pytest.approx([1 / (1 + math.exp(-by_hand(r))) for r in rows])


def test_json_round_trip_keeps_scores():
    ensemble = from_lightgbm(DUMP)
    again = TreeEnsemble.from_json(orjson.loads(orjson.dumps(ensemble.to_json())))
    rows = [[0.0, 0.0], [0.6, 10.5], [0.6, 1.0]]
    assert again.raw_scores(rows).tolist() == ensemble.raw_scores(rows).tolist()
    assert again.depth == 2


def test_no_rows_give_no_scores():
    assert from_lightgbm(DUMP).probabilities([]) == []


def test_unsupported_split_is_refused():
    dump = {"tree_info": [{"tree_structure": {**split(0, 1.0, leaf(0), leaf(1)), "decision_type": "=="}}]}
    with pytest.raises(ValueError):
        from_lightgbm(dump)
