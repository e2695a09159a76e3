"""The compiled parts of storysift: the tree walk (consumers/pipeline/_treewalk.c) and the text
features (consumers/pipeline/_textfeatures.c).

Everything else is in pyproject.toml. Both extensions are optional: without a C compiler the
install still succeeds, trees.py walks the trees with numpy and features.py computes the text
features in Python (the same scores, slower).
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
])
