"""Render an HTML page to plain text the way a text-storing crawler does: the whole page (not
just the article), one block per line, blank line between blocks, no markup.

  .venv/bin/python bench/render_text.py page.html [...]      # prints the rendering(s)
  .venv/bin/python bench/render_text.py --gz page.html.gz

Block-level elements and <br> end a line; scripts, styles and other non-text subtrees are
dropped; inline elements (links, emphasis, spans) run together within their line. This is
independent of the pipeline's HTML segmenter so the plain-text figures are not circular.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

_SKIP = frozenset("script style noscript template head svg canvas object embed iframe select option "
                  "textarea math".split())
_BREAK = frozenset("address article aside blockquote body br caption dd details dialog div dl dt "
                   "fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr html legend li "
                   "main nav ol p pre section summary table tbody td tfoot th thead tr ul".split())
_SPACE = re.compile(r"[ \t\r\f\v\u00a0]+")


def render(html: str) -> str:
    tree = LexborHTMLParser(re.sub(r"<(/?)noscript\b", r"<\1div", html, flags=re.I))
    root = tree.body or tree.root
    if root is None:
        return ""
    parts: list[str] = []
    stack = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        tag = node.tag
        if leaving:
            if tag in _BREAK:
                parts.append("\n")
            continue
        if tag == "-text":
            parts.append(node.text_content or "")
            continue
        if not tag or tag[0] == "-" or tag in _SKIP:
            continue
        if tag in _BREAK:
            parts.append("\n")
        stack.append((node, True))
        children = []
        child = node.child
        while child is not None:
            children.append(child)
            child = child.next
        stack.extend((c, False) for c in reversed(children))
    lines = []
    for chunk in "".join(parts).split("\n"):
        line = _SPACE.sub(" ", chunk).strip()
        if line:
            lines.append(line)
    return "\n\n".join(lines) + ("\n" if lines else "")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--gz", action="store_true", help="inputs are gzip-compressed")
    args = ap.parse_args(argv)
    for path in args.files:
        raw = path.read_bytes()
        if args.gz or path.suffix == ".gz":
            raw = gzip.decompress(raw)
        sys.stdout.write(render(raw.decode("utf-8", "replace")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
