"""The computations behind the chapters' interactive explorers, one module per chapter.

Each module holds pure functions (arrays in, arrays out) and a ``draw_...`` function that
returns a matplotlib ``Figure``; ``course_utils.widgets.explorer`` turns a drawing function
into sliders and a figure that redraws. Modules:

"""
