"""The compiled parts of storysift: the tree walk (consumers/pipeline/_treewalk.c), the text
features (consumers/pipeline/_textfeatures.c), the HTML segmenter (consumers/pipeline/_segment.c)
and the pre-parse guard scan (consumers/pipeline/_guardscan.c).

Everything else is in pyproject.toml. All four extensions are optional: without a C compiler the
install still succeeds, trees.py walks the trees with numpy, features.py computes the text
features in Python, html_blocks.py segments pages in Python and guards.py scans pages in Python
(the same scores, blocks and verdicts, slower). The segmenter reads selectolax's lexbor DOM directly: html_blocks.py uses it only with
the selectolax version it was written for (1.0.2, pinned in pyproject.toml) and after a
self-check at import.
"""

from setuptools import Extension, setup

setup(ext_modules=[
    Extension("consumers.pipeline._treewalk", ["consumers/pipeline/_treewalk.c"],
              extra_compile_args=["-O3"], optional=True),
    # no contraction of a * b + c into one rounding: the features must be Python's bits
    Extension("consumers.pipeline._textfeatures", ["consumers/pipeline/_textfeatures.c"],
              extra_compile_args=["-O3", "-ffp-contract=off"], optional=True),
    Extension("consumers.pipeline._segment", ["consumers/pipeline/_segment.c"],
              extra_compile_args=["-O3"], optional=True),
    Extension("consumers.pipeline._guardscan", ["consumers/pipeline/_guardscan.c"],
              extra_compile_args=["-O3"], optional=True),
])
