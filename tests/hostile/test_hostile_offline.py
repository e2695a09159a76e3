"""The hostile corpus through `Pipeline` and through `storysift clean`: every record reaches the
output its case names, with a reason, matching its schema; nothing is fetched; nothing crashes.

Timings are reported (terminal summary), never asserted: the machine is shared.
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import orjson
import pytest
from corpus import CANARY_URL, DEAD_LETTER, cases, record
from hostile_support import TIMINGS, outcome_of

import consumers.pipeline as pipeline_module
from consumers.pipeline import Pipeline
from consumers.pipeline.model import Failed, FailureKind, Limits
from consumers.pipeline.records import outcome_record

# Default limits except the time limit: outcomes must not depend on how loaded the machine is
# (the timeout path has its own test below).
LIMITS = replace(Limits(), max_seconds=120.0)
CASE_NAMES = [c.name for c in cases()]


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline(LIMITS)


def check_output(case, raw: bytes, out: dict, validators) -> None:
    kind, reason = outcome_of(out)
    assert case.expects(kind, reason), (
        f"{case.name} ({case.what}): got {kind}:{reason} "
        f"({out.get('detail') or out.get('error_message') or ''}), expected {case.kind}:{sorted(case.reasons)}")
    assert [e.message for e in validators[kind].iter_errors(out)] == []
    if kind == DEAD_LETTER:
        kept = base64.b64decode(out["original_base64"])
        assert out["original_sha256"] == hashlib.sha256(raw).hexdigest() and out["original_size"] == len(raw)
        assert kept == (raw[:len(kept)] if out["original_truncated"] else raw)
        assert out["error_message"]
    elif kind == "rejection":
        assert out["detail"]
    if case.check is not None:
        assert case.check(out) is None, case.check(out)


def test_corpus_is_broad() -> None:
    assert len(CASE_NAMES) == len(set(CASE_NAMES)) and len(CASE_NAMES) >= 30
    for required in ("invalid_json_truncated", "status_wrong_type", "empty_html", "random_binary",
                     "nul_bytes_sprinkled", "lone_surrogates", "utf16_bom", "lying_meta_utf8_as_1251", "record_30mb",
                     "line_5mb_no_tags", "nested_div_100k", "entity_bomb_only", "huge_comment_with_article",
                     "frameset", "script_only", "pdf_as_html", "png_as_html", "tiny_paragraphs_100k", "all_links"):
        assert required in CASE_NAMES
    kinds = {c.kind for c in cases()}
    assert kinds == {"article", "rejection", "dead_letter"}


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case_through_pipeline(name: str, corpus, pipeline: Pipeline, validators) -> None:
    case, raw = next((c, r) for c, r in corpus if c.name == name)
    started = time.perf_counter()
    outcome = pipeline.process(raw)
    TIMINGS.setdefault("Pipeline.process", []).append((time.perf_counter() - started, name))
    out = orjson.loads(orjson.dumps(outcome_record(outcome, raw, {"file": "corpus", "line": 1},
                                                   LIMITS.max_record_bytes)))
    check_output(case, raw, out, validators)


def test_parsers_never_fetch(pipeline: Pipeline) -> None:
    """External entities, stylesheets, scripts, images, frames, <base> and refresh URLs all point
    at a listening socket; processing the page must not connect to it."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        server.settimeout(0.5)
        canary = f"http://127.0.0.1:{server.getsockname()[1]}/canary"
        fetching = [c for c in cases(canary) if "canary" in c.tags]
        assert fetching
        for case in fetching:
            raw = case.build()
            assert canary.encode() in raw
            assert not isinstance(pipeline.process(raw), Failed), case.name
        with pytest.raises(socket.timeout):
            server.accept()
    assert CANARY_URL not in canary


def test_timeout_is_a_dead_letter() -> None:
    slow = next(c for c in cases() if c.name == "tiny_paragraphs_100k").build()
    outcome = Pipeline(replace(LIMITS, max_seconds=1e-9)).process(slow)
    assert isinstance(outcome, Failed) and outcome.kind is FailureKind.TIMEOUT


def test_a_crashing_stage_is_a_dead_letter_and_the_next_record_is_fine(monkeypatch, pipeline) -> None:
    def explode(*args, **kwargs):
        raise ValueError("classifier bug")

    monkeypatch.setattr(pipeline_module, "classify", explode)
    crashed = pipeline.process(record())
    assert isinstance(crashed, Failed) and crashed.kind is FailureKind.CRASH and "classifier bug" in crashed.message
    monkeypatch.undo()
    assert not isinstance(pipeline.process(record()), Failed)


def test_storysift_clean_accounts_for_every_line(corpus, validators, tmp_path: Path) -> None:
    """One output line per input line, in order, each the case's expected outcome; dead letters
    name their file and line and carry the line's bytes."""
    lines = [raw.replace(b"\n", b" ").replace(b"\r", b" ") for _, raw in corpus]
    source = tmp_path / "corpus.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    env = dict(os.environ, STORYSIFT_MAX_SECONDS=str(LIMITS.max_seconds))
    started = time.perf_counter()
    # --strict-urls: the corpus's expectations are the stream's contract (a url that is not an
    # absolute URL is a dead letter); test_offline.py covers the default, which keys such pages
    proc = subprocess.run([sys.executable, "-m", "consumers.cli", "clean", str(source), "--quiet", "--strict-urls"],
                          capture_output=True, env=env, timeout=900)
    elapsed = time.perf_counter() - started
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    outputs = proc.stdout.splitlines()
    assert len(outputs) == len(lines)
    for number, ((case, _), line, encoded) in enumerate(zip(corpus, lines, outputs), start=1):
        out = orjson.loads(encoded)
        check_output(case, line, out, validators)
        if out["kind"] == DEAD_LETTER:
            assert out["source"] == {"file": str(source), "line": number}
    TIMINGS.setdefault("storysift clean, whole corpus", []).append((elapsed, f"{len(lines)} lines"))


NETWORK_MODULES = ("socket", "ssl", "urllib.request", "http.client", "requests", "httpx", "aiohttp", "lxml",
                   "xml.dom", "xml.sax", "xml.etree")


def test_pipeline_imports_nothing_that_can_fetch() -> None:
    """The pure pipeline never imports a network client or an XML parser that can resolve
    external entities (lexbor, through selectolax, does neither)."""
    import ast

    package = Path(pipeline_module.__file__).parent
    offenders = []
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{path.name}: {n}" for n in names if n.startswith(NETWORK_MODULES)]
    assert offenders == []
