"""Project tooling (not used by the notebooks): execute chapters, make learner
versions, check notebook structure, record run times.

Run as modules from the repository root, e.g. ``python -m tools.execute 00``.
"""
