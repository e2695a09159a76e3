"""The topic contracts: schemas are valid draft 2020-12, every example validates, and the raw-page
checks in `decode` agree with the raw-page schema."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from jsonschema import Draft202012Validator

from consumers.pipeline.decode import schema_violation
from consumers.pipeline.records import SCHEMA_VERSION

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
KINDS = ("raw-page", "article", "rejection", "dead-letter")


def validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads((SCHEMAS / f"{kind}.schema.json").read_text()))


def kind_of_example(path: Path) -> str:
    return next(k for k in KINDS if path.stem == k or path.stem.startswith(k + "-"))


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_valid_draft_2020_12(kind: str) -> None:
    schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_every_kind_has_an_example_linked_from_the_readme() -> None:
    examples = sorted((SCHEMAS / "examples").glob("*.json"))
    assert {kind_of_example(p) for p in examples} == set(KINDS)
    readme = (SCHEMAS / "README.md").read_text()
    for path in examples:
        assert f"examples/{path.name}" in readme, f"{path.name} is not linked from schemas/README.md"


@pytest.mark.parametrize("path", sorted((SCHEMAS / "examples").glob("*.json")), ids=lambda p: p.name)
def test_example_validates(path: Path) -> None:
    example = json.loads(path.read_text())
    kind = kind_of_example(path)
    errors = [e.message for e in validator(kind).iter_errors(example)]
    assert errors == []
    if kind != "raw-page":
        assert example["schema_version"] == SCHEMA_VERSION
    else:
        assert schema_violation(example) is None


def test_output_schemas_pin_the_current_version() -> None:
    for kind in KINDS[1:]:
        schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text())
        assert schema["properties"]["schema_version"] == {"const": SCHEMA_VERSION}


BASE = {"url": "https://a.example/x", "html": "<p>hi</p>"}
# (field, value) variations around a valid record: decode and the schema must agree on each.
VARIATIONS = [
    ("schema_version", 1), ("schema_version", 1.0), ("schema_version", 2), ("schema_version", "1"),
    ("schema_version", None), ("id", "abc"), ("id", 7), ("id", 7.0), ("id", 7.5), ("id", ""), ("id", "x" * 513),
    ("id", True), ("id", None), ("id", [1]), ("url", None), ("url", 5), ("url", ""), ("url", "a.example/x"),
    ("url", " https://a.example/"), ("url", "https://" + "a" * 8200), ("url", "ftp://a.example/f"),
    ("url", "https://a.example/x y"), ("fetched_at", "2026-11-24T08:00:00Z"), ("fetched_at", 1732435200),
    ("fetched_at", None), ("http_status", 200), ("http_status", 200.0), ("http_status", 99),
    ("http_status", 600), ("http_status", "200"), ("http_status", False), ("http_status", None),
    ("headers", {"A": "b"}), ("headers", {"A": ["b", "c"]}), ("headers", {"A": 1}), ("headers", {"A": [1]}),
    ("headers", {"A": None}), ("headers", []), ("headers", None), ("content_type", "text/html"),
    ("content_type", 3), ("content_type", "x" * 1025), ("encoding", "utf-8"), ("encoding", 8),
    ("encoding", "x" * 65), ("title", "T"), ("title", ["T"]), ("crawl", {"depth": 1}), ("crawl", "d"),
    ("crawl", None), ("crawl", []), ("html", None), ("html", 1), ("text", "also text"), ("body", "b"),
    ("body_base64", "aGk="), ("extra", {"anything": [1, 2]}),
]


@pytest.mark.parametrize("field,value", VARIATIONS, ids=[f"{f}={str(v)[:20]}" for f, v in VARIATIONS])
def test_decode_agrees_with_raw_page_schema(field: str, value: object) -> None:
    obj = dict(BASE, **{field: value})
    schema_ok = validator("raw-page").is_valid(obj)
    decode_ok = schema_violation(obj) is None
    assert decode_ok == schema_ok, f"schema says {schema_ok}, decode says {schema_violation(obj)!r}"


@pytest.mark.parametrize("body", [{}, {"html": "a", "text": "b"}, {"body": "a", "body_base64": "YQ=="},
                                  {"html": "a"}, {"text": "a"}, {"body": "a"}, {"body_base64": "YQ=="}])
def test_exactly_one_body_field(body: dict) -> None:
    obj = dict({"url": "https://a.example/"}, **body)
    assert (schema_violation(obj) is None) == validator("raw-page").is_valid(obj) == (len(body) == 1)


def test_examples_survive_orjson_round_trip() -> None:
    for path in (SCHEMAS / "examples").glob("*.json"):
        example = json.loads(path.read_text())
        assert orjson.loads(orjson.dumps(example)) == example


def test_replay_wraps_files_into_valid_raw_pages(tmp_path: Path) -> None:
    """`storysift replay` is our own crawler stand-in: what it produces must meet the contract."""
    from consumers.replay import wrap_file

    files = {"page.html": "<html><head><link rel='canonical' href='https://a.example/p'></head><p>x</p></html>",
             "note.txt": "A line of text.\nAnother line."}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "legacy.html").write_bytes("<p>caf\u00e9</p>".encode("cp1252"))
    for path in sorted(tmp_path.iterdir()):
        record = orjson.loads(wrap_file(path))
        assert validator("raw-page").is_valid(record) and schema_violation(record) is None, path.name
