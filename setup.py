"""The one compiled part of storysift: the tree walk (consumers/pipeline/_treewalk.c).

Everything else is in pyproject.toml. The extension is optional: without a C compiler the
install still succeeds and trees.py walks the trees with numpy (the same scores, slower).
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("consumers.pipeline._treewalk", ["consumers/pipeline/_treewalk.c"],
                             extra_compile_args=["-O3"], optional=True)])
