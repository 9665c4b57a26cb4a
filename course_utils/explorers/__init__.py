"""The computations behind the chapters' interactive explorers, one module per chapter.

Each module holds pure functions (arrays in, arrays out) and a ``draw_...`` function that
returns a matplotlib ``Figure``; ``course_utils.widgets.explorer`` turns a drawing function
into sliders and a figure that redraws. Modules:

- ``ch01``: one neuron on two inputs, its output and decision boundary (chapter 01).
- ``ch02``: a small MLP trained on XOR, circles or moons, and its decision boundary (chapter 02).
- ``ch04``: an optimizer's path on the ill-conditioned quadratic (chapter 04).
- ``ch05``: ridge regression, L2 strength against polynomial degree (chapter 05).
- ``ch06a``: a 3x3 kernel on an MNIST digit, its feature map and max pooling (chapter 06a).
- ``ch09a``: one query's scaled dot-product attention weights, with a temperature (chapter 09a).
- ``ch07``: gradient norms ``||dh_T/dh_t||`` back in time, SimpleRNN, LSTM, GRU (chapter 07).
- ``ch10``: VAE latent sliders, the decoded digit and its place among the codes (chapter 10).
- ``ch11``: a walk between two GAN noise vectors, linear or spherical (chapter 11).
"""
