"""Checks for each chapter's exercises, one module per chapter (``ch00``, ``ch01``, ...).

Each check takes the learner's answer (usually a function), tests it on fresh
random inputs against a reference, and raises
:class:`course_utils.checks.ExerciseFailure` with specific feedback when it is
wrong. On success it prints and returns a short "passed" message.
"""
