"""The package's one compiled part (everything else is in pyproject.toml).

``evoladder.domain.matchmaking._kernel`` speeds up the matchmaker's assignment solves (see
``src/evoladder/domain/matchmaking/_assignment.py``). It is optional: where no C compiler is available the
build goes on without it and the code falls back to scipy (same results, slower).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "evoladder.domain.matchmaking._kernel",
            sources=["src/evoladder/domain/matchmaking/_kernel.c"],
            extra_compile_args=["-O2"],
            optional=True,
        )
    ]
)
