"""Helpers for the course *Deep Learning with Keras and TensorFlow*.

Small modules with one job each; import what you use by name, for example
``from course_utils.data import load_mnist``. Importing this package has no
side effects: it does not import TensorFlow, touch matplotlib or read files.

Modules
-------
runtime    seeding, determinism, thread counts, logging, environment report
cache      where Keras caches data sets, and making an offline copy of a cache
data       one loader per data set used in the course
plotting   training curves and image grids (figures, never global state)
validation argument checks that give clear errors (shapes, types)
checks     feedback for the auto-checked exercises
exercises  the exercise checks of each chapter (``exercises.ch00`` ...)
"""

__version__ = "0.1.0"
