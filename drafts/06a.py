# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 06a · Convolutions: from scratch to a 99 % digit reader
#
# A dense layer treats a 28×28 image as 784 unrelated numbers: shift a digit two pixels to
# the right and, to the network, almost every input has changed. Yet an edge is an edge
# wherever it appears. A **convolution** builds that knowledge in: one small filter slides
# over the whole image, looking at a few neighbouring pixels at a time and reusing the same
# weights everywhere. This gives *local connectivity*, *weight sharing* and *translation
# equivariance* (shift the input, the output shifts with it), with a tiny fraction of the
# parameters. This chapter writes the convolution from scratch, proves it computes exactly
# what `keras.layers.Conv2D` computes, works out output sizes, pooling, receptive fields
# and parameter counts, and then trains a CNN that reads handwritten digits with at least
# 99 % test accuracy in well under 100 seconds of CPU training, and one that recognises
# clothes on Fashion-MNIST. Chapter 06b continues with data augmentation, feature maps,
# residual networks and transfer learning.

# %% [markdown]
# ## Learning objectives
#
# After this chapter you can:
#
# - compute a 2-D convolution (really a cross-correlation) by hand and in NumPy, with
#   several input and output channels, padding, stride and dilation;
# - predict the output size of a convolution or pooling layer, and say where `"same"`
#   padding puts its zeros;
# - explain max and average pooling, and compute the receptive field of a stack of layers;
# - count the parameters of a convolution and compare them with a dense layer;
# - train a fast CNN on MNIST (≥ 99 %) and on Fashion-MNIST (≥ 90 %), and read its
#   confusion matrix and its mistakes.
#
# ## Prerequisites
#
# Chapter 02 (dense networks, MNIST), 03 (cross-entropy), 04 (Adam, learning-rate
# schedules) and 05 (batch normalization, dropout). NumPy slicing and broadcasting.

# %% [markdown]
# ## Setup
#
# All imports are here. `course_utils.convolution` holds the scratch versions this chapter
# derives; the notebook first writes each idea out in full, then uses the tested helper.

# %%
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from course_utils.convolution import (
    avg_pool2d,
    conv2d,
    conv_output_size,
    max_pool2d,
    receptive_field,
    same_padding,
)
from course_utils.data import FASHION_MNIST_CLASSES, load_fashion_mnist, load_mnist
from course_utils.exercises.ch06a import (
    check_correlate2d,
    check_output_size,
    check_receptive_field,
)
from course_utils.plotting import plot_confusion_matrix, plot_history, show_images
from course_utils.runtime import setup_runtime

SEED = 42
info = setup_runtime(SEED)
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## 1. The convolution operation
#
# A convolutional layer slides a small **kernel** (filter) $W$ of size $k_h \times k_w$
# over the image $X$. At each position it multiplies the pixels under the kernel by the
# weights and sums them, plus a bias $b$:
#
# $$Y_{i,j} = b + \sum_{u=0}^{k_h-1} \sum_{v=0}^{k_w-1} X_{i+u,\; j+v}\, W_{u,v}.$$
#
# Without padding, the kernel fits at $(H - k_h + 1) \times (W - k_w + 1)$ positions. Here
# is that formula as two loops over positions; nothing else is needed.

# %%
def correlate_loop(image, kernel):
    """One channel, no padding, stride 1: the definition above, position by position."""
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1), dtype=np.float32)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i : i + kh, j : j + kw] * kernel)
    return out


# %% [markdown]
# Hand-made kernels show what a filter *detects*. The Sobel kernels below respond to
# changes of brightness from left to right (vertical edges) and from top to bottom
# (horizontal edges); the sign of the response tells the direction of the change.

# %%
(mnist_x_train, mnist_y_train), (mnist_x_test, mnist_y_test) = load_mnist()
digit = mnist_x_train[0].astype(np.float32) / 255.0
sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float32)
sobel_y = sobel_x.T
edges_x, edges_y = correlate_loop(digit, sobel_x), correlate_loop(digit, sobel_y)

fig, axes = plt.subplots(1, 3, figsize=(8.5, 3))
panels = [(digit, "input digit (28×28)"), (edges_x, "Sobel x: vertical edges (26×26)"),
          (edges_y, "Sobel y: horizontal edges (26×26)")]  # fmt: skip
for ax, (image, title) in zip(axes, panels, strict=True):
    limit = np.abs(image).max()
    ax.imshow(image, cmap="gray_r" if image is digit else "RdBu_r",
              vmin=0 if image is digit else -limit, vmax=limit)  # fmt: skip
    ax.set_title(title, fontsize=9)
    ax.set_axis_off()
plt.show()

# %% [markdown]
# Red marks a positive response (dark to bright in the kernel's direction), blue a
# negative one. A CNN does not use hand-made kernels: it *learns* its kernels by gradient
# descent, and chapter 06b shows that the first layer learns edge detectors much like
# these.

# %% [markdown]
# > **Common misconception:** "`Conv2D` computes a convolution in the mathematical sense."
# >
# > The convolution of signal processing flips the kernel,
# > $(X * W)_{i,j} = \sum_{u,v} X_{i-u,\,j-v} W_{u,v}$. Deep-learning libraries compute the
# > formula above, without the flip: a **cross-correlation**. Because the kernel is learned,
# > the difference does not matter for training (the network simply learns the flipped
# > kernel), but it matters as soon as you copy weights between a library and your own
# > code, or use a textbook kernel.

# %%
# NBVAL_CHECK_OUTPUT
asymmetric = rng.normal(size=(3, 3)).astype(np.float32)
layer = keras.layers.Conv2D(1, 3, use_bias=False)
layer.build((1, 28, 28, 1))
layer.set_weights([asymmetric[:, :, None, None]])
keras_out = np.asarray(layer(digit[None, :, :, None]))[0, :, :, 0]
flipped = correlate_loop(digit, asymmetric[::-1, ::-1])  # the textbook convolution
print("Conv2D == cross-correlation:", np.allclose(keras_out, correlate_loop(digit, asymmetric),
                                                  atol=1e-5))
print("Conv2D == flipped-kernel convolution:", np.allclose(keras_out, flipped, atol=1e-5))
assert np.allclose(keras_out, correlate_loop(digit, asymmetric), atol=1e-5)

# %% [markdown]
# ## 2. Channels, padding, stride and dilation
#
# Real layers work on batches of images with **channels** (3 for colour, then one per
# filter of the previous layer), stored channels-last as `(batch, height, width,
# channels)`. A layer with $C_{out}$ filters has a kernel of shape
# $(k_h, k_w, C_{in}, C_{out})$: each filter spans *all* input channels and produces one
# output channel. Two more settings control where the kernel goes:
#
# - **stride** $s$: the kernel jumps $s$ pixels between positions (downsampling);
# - **dilation** $d$: the kernel's taps are $d$ pixels apart, so a $3\times3$ kernel with
#   $d = 2$ covers $5\times5$ pixels with 9 weights.
#
# $$y_{b,i,j,o} = \beta_o + \sum_{u=0}^{k_h-1} \sum_{v=0}^{k_w-1} \sum_{c=0}^{C_{in}-1}
#   x^{\text{pad}}_{b,\; s i + d u,\; s j + d v,\; c}\; w_{u,v,c,o}$$
#
# With the **effective kernel size** $k_e = d(k-1) + 1$, the output length along each axis
# is
#
# $$n_{out} = \left\lfloor \frac{n - k_e}{s} \right\rfloor + 1 \quad \text{(`"valid"`: no
# padding)}, \qquad n_{out} = \left\lceil \frac{n}{s} \right\rceil \quad
# \text{(`"same"`)}.$$
#
# `"same"` pads with just enough zeros, $p = \max\big((n_{out}-1)s + k_e - n,\ 0\big)$ in
# all, to get $\lceil n/s \rceil$ outputs. When $p$ is odd (for example an even kernel with
# stride 1), TensorFlow puts the extra zero **after** (bottom/right): $p_{before} =
# \lfloor p/2 \rfloor$.

# %%
# NBVAL_CHECK_OUTPUT
for n, k, s, d in [(28, 3, 1, 1), (28, 2, 1, 1), (28, 4, 1, 1), (28, 3, 2, 1), (7, 3, 2, 1)]:
    print(f"n={n:2d} k={k} s={s} d={d}: 'same' adds {same_padding(n, k, s, d)} zeros "
          f"(before, after) -> {conv_output_size(n, k, s, 'same', d)} outputs; "
          f"'valid' -> {conv_output_size(n, k, s, 'valid', d)}")

# %% [markdown]
# The formula is easy to get subtly wrong (forgetting the dilation, or using the floor
# for `"same"`), so check it against the output shapes Keras computes, on every
# combination of input size, kernel size, stride, padding and dilation below.
# (TensorFlow does not allow a stride and a dilation above 1 in the same layer.)

# %%
# NBVAL_CHECK_OUTPUT
configurations, mismatches = 0, []
for n in [5, 8, 13, 28, 32]:
    for k in [1, 2, 3, 5, 7]:
        for s in [1, 2, 3]:
            for d in [1, 2, 3]:
                for padding in ["valid", "same"]:
                    if (s > 1 and d > 1) or (padding == "valid" and d * (k - 1) + 1 > n):
                        continue
                    conv = keras.layers.Conv2D(1, k, strides=s, padding=padding, dilation_rate=d)
                    keras_n = conv.compute_output_shape((1, n, n, 1))[1]
                    configurations += 1
                    if keras_n != conv_output_size(n, k, s, padding, d):
                        mismatches.append((n, k, s, d, padding))
print(f"checked {configurations} configurations, mismatches: {mismatches}")
assert not mismatches

# %% [markdown]
# The scratch `conv2d` in `course_utils.convolution` implements the full formula: it pads
# (placing the zeros as TensorFlow does), then adds one matrix product per kernel tap,
# `patch @ kernel[u, v]`, where `patch` holds the pixels that tap sees at every output
# position and the product sums over the input channels. Now the real test: copy a
# `Conv2D` layer's weights into it and compare the outputs on fresh random inputs, for
# several channel counts, paddings, strides and dilations.

# %%
# NBVAL_CHECK_OUTPUT
conv_cases = [  # (height, width, kernel, c_in, c_out, strides, padding, dilation)
    (12, 12, (3, 3), 1, 4, 1, "valid", 1),
    (12, 11, (3, 3), 3, 8, 1, "same", 1),
    (10, 10, (2, 2), 2, 3, 1, "same", 1),
    (13, 12, (5, 3), 4, 6, 2, "same", 1),
    (15, 15, (3, 3), 3, 5, (2, 3), "valid", 1),
    (16, 16, (3, 3), 2, 4, 1, "same", 2),
    (16, 14, (3, 2), 3, 2, 1, "valid", (3, 2)),
]
for h, w, kernel_size, c_in, c_out, strides, padding, dilation in conv_cases:
    x = rng.normal(size=(4, h, w, c_in)).astype(np.float32)
    conv = keras.layers.Conv2D(c_out, kernel_size, strides=strides, padding=padding,
                               dilation_rate=dilation, bias_initializer="random_normal")
    keras_y = np.asarray(conv(x))
    kernel, bias = conv.get_weights()
    scratch_y = conv2d(x, kernel, bias, strides=strides, padding=padding, dilation_rate=dilation)
    err = np.max(np.abs(scratch_y - keras_y)) / np.max(np.abs(keras_y))
    assert scratch_y.shape == keras_y.shape and err < 1e-5, (err, scratch_y.shape)
    print(f"{str(x.shape):15s} kernel {str(kernel.shape):13s} stride={strides!s:6s} "
          f"{padding:5s} d={dilation!s:6s} -> {keras_y.shape}  agree: {err < 1e-5}")

# %% [markdown]
# A stride-2 convolution halves the height and width: that is how an *encoder* (or a GAN's
# discriminator) shrinks an image to a compact code. Going back up needs the opposite
# operation.

# %% [markdown]
# > **Common misconception:** "A discriminator (or an encoder) uses transposed
# > convolutions."
# >
# > It is the other way round. Encoders and discriminators **downsample** with (strided)
# > convolutions, `Conv2D(strides=2)`: 28×28 → 14×14 → 7×7. Decoders and generators
# > **upsample** with transposed convolutions, `Conv2DTranspose(strides=2)`: 7×7 → 14×14
# > → 28×28. A transposed convolution is the gradient of a strided convolution with
# > respect to its input: it spreads each input pixel over a $k\times k$ patch of a larger
# > output.

# %%
# NBVAL_CHECK_OUTPUT
image_batch = tf.zeros((1, 28, 28, 1))
down1 = keras.layers.Conv2D(8, 3, strides=2, padding="same")(image_batch)
down2 = keras.layers.Conv2D(16, 3, strides=2, padding="same")(down1)
up1 = keras.layers.Conv2DTranspose(8, 3, strides=2, padding="same")(down2)
up2 = keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same")(up1)
print("encoder / discriminator, Conv2D(strides=2):         ",
      image_batch.shape, "->", down1.shape, "->", down2.shape)
print("decoder / generator, Conv2DTranspose(strides=2):    ",
      down2.shape, "->", up1.shape, "->", up2.shape)
assert down2.shape[1] < image_batch.shape[1] and up2.shape[1] > down2.shape[1]

# %% [markdown]
# ## 3. Pooling
#
# A **pooling** layer summarises each $p \times p$ window of every channel separately, with
# no weights to learn:
#
# $$\text{max pool: } y_{i,j,c} = \max_{0 \le u,v < p} x_{s i + u,\; s j + v,\; c},
# \qquad \text{average pool: } y_{i,j,c} = \frac{1}{p^2}\sum_{0 \le u,v < p}
# x_{s i + u,\; s j + v,\; c}.$$
#
# By default the stride equals the pool size, so the windows do not overlap and a 2×2 pool
# halves height and width. Max pooling keeps the strongest response in each window, so a
# feature that moves by a pixel often gives the same output: a little translation
# invariance, and four times fewer positions for the next layer to process. With `"same"`
# padding the padded positions are ignored (they never win the max and are left out of the
# average). First the idea in full, for one 2×2 window grid:

# %%
def max_pool_2x2(image):
    """Non-overlapping 2x2 max pooling of one (even-sized) channel, by reshaping."""
    h, w = image.shape
    return image.reshape(h // 2, 2, w // 2, 2).max(axis=(1, 3))


# NBVAL_CHECK_OUTPUT
print("4x4 -> 2x2 max pool:\n", max_pool_2x2(np.arange(16.0).reshape(4, 4)))

# %% [markdown]
# The general versions (`max_pool2d`, `avg_pool2d`: any window, stride and padding, many
# channels) against Keras's pooling layers, on fresh random inputs:

# %%
# NBVAL_CHECK_OUTPUT
pool_cases = [((2, 2), None, "valid"), ((3, 3), 2, "valid"), ((3, 3), 2, "same"),
              ((2, 3), (1, 2), "same")]  # fmt: skip
x = rng.normal(size=(3, 11, 10, 4)).astype(np.float32)
for pool_size, strides, padding in pool_cases:
    for scratch, keras_layer in [(max_pool2d, keras.layers.MaxPooling2D),
                                 (avg_pool2d, keras.layers.AveragePooling2D)]:  # fmt: skip
        expected = np.asarray(keras_layer(pool_size, strides=strides, padding=padding)(x))
        got = scratch(x, pool_size, strides, padding)
        err = np.max(np.abs(got - expected)) / np.max(np.abs(expected))
        assert got.shape == expected.shape and err < 1e-5
        print(f"{keras_layer.__name__:16s} pool={pool_size!s:6s} strides={strides!s:6s} "
              f"{padding:5s} {x.shape} -> {got.shape}  agree: {err < 1e-5}")

# %%
pooled = {"original 28×28": digit,
          "max pool 2×2 → 14×14": max_pool2d(digit[None, :, :, None])[0, :, :, 0],
          "max pool 4×4 → 7×7": max_pool2d(digit[None, :, :, None], 4)[0, :, :, 0],
          "average pool 4×4 → 7×7": avg_pool2d(digit[None, :, :, None], 4)[0, :, :, 0]}  # fmt: skip
fig, axes = plt.subplots(1, 4, figsize=(10, 2.8))
for ax, (title, image) in zip(axes, pooled.items(), strict=True):
    ax.imshow(image, cmap="gray_r")
    ax.set_title(title, fontsize=9)
    ax.set_axis_off()
plt.show()

# %% [markdown]
# Even at 7×7 the digit is still recognisable: pooling throws away *where exactly*, not
# *what*. Max pooling keeps thin strokes at full strength; averaging blurs them.
#
# ## 4. The receptive field
#
# One output of a 3×3 convolution sees 3×3 input pixels. A second 3×3 convolution on top
# sees 3×3 outputs of the first, i.e. 5×5 pixels; after a stride-2 layer, every further
# kernel tap moves twice as far in the input. This **receptive field** is how far a unit
# can "see". With the *jump* $j_l$ (distance in input pixels between neighbouring outputs
# of layer $l$), starting from $r_0 = 1$ and $j_0 = 1$:
#
# $$r_l = r_{l-1} + d_l\,(k_l - 1)\, j_{l-1}, \qquad j_l = j_{l-1}\, s_l.$$
#
# For the MNIST network of section 6 (three 3×3 convolutions with 2×2 max pooling after
# the first two), layer by layer:

# %%
# NBVAL_CHECK_OUTPUT
stack = [("conv 3×3", (3, 1)), ("max pool 2×2", (2, 2)), ("conv 3×3", (3, 1)),
         ("max pool 2×2", (2, 2)), ("conv 3×3", (3, 1))]  # fmt: skip
for depth in range(1, len(stack) + 1):
    name = stack[depth - 1][0]
    rf = receptive_field([spec for _, spec in stack[:depth]])
    print(f"after layer {depth} ({name:12s}): receptive field {rf:2d}×{rf:<2d} pixels")

# %% [markdown]
# An independent check: an input pixel is inside the receptive field of an output unit
# exactly when changing it can change that unit, i.e. when the gradient of the unit with
# respect to that pixel is non-zero. `tf.GradientTape` gives that gradient for the real
# layers, with all weights set to 1 so that no gradient cancels by accident. The probe uses
# average pooling, which has the same receptive field as max pooling but passes gradient
# to every pixel of its window (a max pool passes it only to the window's winner).

# %%
# NBVAL_CHECK_OUTPUT
probe = keras.Sequential([
    keras.Input((28, 28, 1)),
    keras.layers.Conv2D(1, 3, padding="same", kernel_initializer="ones"),
    keras.layers.AveragePooling2D(2),
    keras.layers.Conv2D(1, 3, padding="same", kernel_initializer="ones"),
    keras.layers.AveragePooling2D(2),
    keras.layers.Conv2D(1, 3, padding="same", kernel_initializer="ones"),
])  # fmt: skip
x = tf.constant(rng.uniform(size=(1, 28, 28, 1)).astype(np.float32))
with tf.GradientTape() as tape:
    tape.watch(x)
    unit = probe(x)[0, 3, 3, 0]  # one unit in the middle of the final 7×7 map
footprint = tape.gradient(unit, x).numpy()[0, :, :, 0]
rows, cols = np.nonzero(footprint)
measured = (int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1))
print("pixels that influence the unit:", measured, "| formula:",
      receptive_field([spec for _, spec in stack]))
assert measured[0] == measured[1] == receptive_field([spec for _, spec in stack])

# %%
fig, axes = plt.subplots(1, 2, figsize=(6.5, 3))
axes[0].imshow(digit, cmap="gray_r")
axes[0].add_patch(plt.Rectangle((cols.min() - 0.5, rows.min() - 0.5), measured[1], measured[0],
                                fill=False, color="crimson", lw=2))  # fmt: skip
axes[0].set_title("receptive field on a digit", fontsize=9)
axes[1].imshow(np.abs(footprint), cmap="magma")
axes[1].set_title("|∂ unit / ∂ pixel|", fontsize=9)
for ax in axes:
    ax.set_axis_off()
plt.show()

# %% [markdown]
# The gradient is largest in the centre: central pixels reach the unit along many paths,
# border pixels along few, so the *effective* receptive field is smaller than the formal
# one. Three layers already see 18×18 of the 28×28 digit, enough to combine strokes into
# parts of digits.
#
# ## 5. Parameters: a convolution versus a dense layer
#
# A convolution's weights do not depend on the image size: each of the $C_{out}$ filters
# has $k_h k_w C_{in}$ weights and one bias,
#
# $$P_{conv} = (k_h k_w C_{in} + 1)\, C_{out}.$$
#
# A dense layer producing the same $H \times W \times C_{out}$ output from an
# $H \times W \times C_{in}$ input connects every input to every output:
#
# $$P_{dense} = (H W C_{in} + 1)\, H W C_{out}.$$

# %%
# NBVAL_CHECK_OUTPUT
def conv_params(kh, kw, c_in, c_out):
    return (kh * kw * c_in + 1) * c_out


def dense_params(h, w, c_in, c_out):
    return (h * w * c_in + 1) * h * w * c_out


conv_layer = keras.layers.Conv2D(32, 3, padding="same")
conv_layer.build((None, 28, 28, 1))
dense_layer = keras.layers.Dense(28 * 28 * 32)
dense_layer.build((None, 28 * 28 * 1))
assert conv_layer.count_params() == conv_params(3, 3, 1, 32)
assert dense_layer.count_params() == dense_params(28, 28, 1, 32)
print(f"28×28×1 -> 28×28×32   Conv2D(32, 3): {conv_layer.count_params():>12,} parameters")
print(f"28×28×1 -> 28×28×32   Dense:         {dense_layer.count_params():>12,} parameters")
print(f"ratio: {dense_layer.count_params() // conv_layer.count_params():,}×")
for h, c_in, c_out in [(14, 32, 64), (7, 64, 64)]:
    print(f"{h}×{h}×{c_in} -> {h}×{h}×{c_out}   conv {conv_params(3, 3, c_in, c_out):>9,}"
          f"   dense {dense_params(h, h, c_in, c_out):>13,}")

# %% [markdown]
# The dense layer has more than 60,000 times more parameters for the same output shape, and it would
# have to learn the same edge detector separately at every one of the 784 positions.
# Weight sharing is why CNNs learn from far fewer examples than dense networks on images.
# (The computation is *not* 61,000 times smaller: every filter is still applied at every
# position. That cost is what the next section has to keep in check.)
#
# ## 6. A CNN that reads MNIST digits at 99 % in well under 100 seconds
#
# The classic Keras example for MNIST (two 3×3 convolutions with 32 and 64 filters at full
# resolution, one max pool, dropout, a dense layer, Adam with its default learning rate,
# batch 128) needs several minutes on a 2-core CPU before its test accuracy first reaches
# 0.99. Most of its time goes into the second convolution, which runs 64 filters over 32
# channels at all 24×24 positions. A faster recipe changes four things, each for a reason:
#
# 1. **Downsample early, widen late.** Only 16 filters run at full 28×28 resolution; a
#    2×2 max pool after each of the first two convolutions makes every later layer 4×
#    (then 16×) cheaper, so the network is three layers deep (a receptive field of 18
#    pixels, section 4) for a fraction of the multiply-adds.
# 2. **Batch normalization** after each convolution (chapter 05) keeps activations well
#    scaled, so training tolerates a learning rate several times higher.
# 3. **A one-cycle schedule**: warm up to a high peak learning rate, then cosine-decay to
#    zero (chapter 04). High rates make fast progress; the decay at the end settles into a
#    minimum, so 3 epochs are enough.
# 4. **A lean input pipeline**: the uint8 images are cached once, shuffled, batched and
#    converted to float inside `tf.data`, which prefetches the next batch while the
#    current one trains.
#
# The pipeline first. Labels are the digits; 10,000 training images are held out for
# validation, and the test set is used only once, at the end.

# %%
BATCH = 128


def scale(images, labels):
    return tf.cast(images, tf.float32)[..., None] / 255.0, labels


def make_datasets(x_train, y_train, x_test, y_test, n_val=10_000, batch=BATCH):
    """Train (shuffled) / validation / test pipelines from uint8 arrays."""
    def pipeline(x, y, shuffle=False):
        ds = tf.data.Dataset.from_tensor_slices((x, y)).cache()
        if shuffle:
            ds = ds.shuffle(len(x), seed=SEED)
        return ds.batch(batch).map(scale, num_parallel_calls=tf.data.AUTOTUNE).prefetch(
            tf.data.AUTOTUNE)

    return (pipeline(x_train[n_val:], y_train[n_val:], shuffle=True),
            pipeline(x_train[:n_val], y_train[:n_val]), pipeline(x_test, y_test))  # fmt: skip


mnist_train, mnist_val, mnist_test = make_datasets(mnist_x_train, mnist_y_train,
                                                   mnist_x_test, mnist_y_test)  # fmt: skip
images, labels = next(iter(mnist_train))
print("one batch:", images.shape, images.dtype.name, labels.shape)

# %% [markdown]
# The model: three convolution blocks of 16, 32 and 64 filters (conv → batch norm → ReLU;
# the convolution has no bias because batch norm's shift replaces it), max pooling after
# the first two, then dropout and a softmax layer.

# %%
def conv_block(filters):
    return [keras.layers.Conv2D(filters, 3, padding="same", use_bias=False),
            keras.layers.BatchNormalization(), keras.layers.ReLU()]  # fmt: skip


def build_cnn(widths=(16, 32, 64), dropout=0.25, n_classes=10):
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        *conv_block(widths[0]), keras.layers.MaxPooling2D(),
        *conv_block(widths[1]), keras.layers.MaxPooling2D(),
        *conv_block(widths[2]),
        keras.layers.Flatten(),
        keras.layers.Dropout(dropout),
        keras.layers.Dense(n_classes, activation="softmax"),
    ])  # fmt: skip


def classic_keras_example():
    """The classic Keras MNIST example (built only to count its work)."""
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.Conv2D(64, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Dropout(0.25),
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(10, activation="softmax"),
    ])  # fmt: skip


def multiply_adds(model):
    """Multiply-adds of one forward pass per image: conv = positions x kernel size."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            total += int(np.prod(layer.output.shape[1:3])) * int(np.prod(layer.kernel.shape))
        elif isinstance(layer, keras.layers.Dense):
            total += int(np.prod(layer.kernel.shape))
    return total


keras.utils.set_random_seed(SEED)
mnist_cnn = build_cnn()
mnist_cnn.summary(line_length=80)

# %% [markdown]
# How much work does one image cost in each network? Counting multiply-adds of the forward
# pass (the backward pass costs about twice as much again, for both):

# %%
# NBVAL_CHECK_OUTPUT
classic = classic_keras_example()
for name, model in [("classic Keras example", classic), ("this chapter's CNN", mnist_cnn)]:
    print(f"{name:22s} {model.count_params():>9,} parameters "
          f"{multiply_adds(model) / 1e6:6.2f} M multiply-adds per image")
print(f"{multiply_adds(classic) / multiply_adds(mnist_cnn):.1f}× less work per image")

# %% [markdown]
# Training: Adam with a one-cycle schedule, a warm-up over the first 10 % of the steps to
# a peak of $4\times10^{-3}$ (four times Adam's usual default), then cosine decay to zero.

# %%
def one_cycle_adam(steps, peak=4e-3, warmup_fraction=0.1):
    warmup = int(steps * warmup_fraction)
    schedule = keras.optimizers.schedules.CosineDecay(
        peak / 10, decay_steps=steps - warmup, alpha=0.0, warmup_target=peak,
        warmup_steps=warmup)  # fmt: skip
    return keras.optimizers.Adam(schedule)


EPOCHS = 3
steps = EPOCHS * int(mnist_train.cardinality())
mnist_cnn.compile(optimizer=one_cycle_adam(steps), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])  # fmt: skip
start, start_cpu = time.perf_counter(), time.process_time()
mnist_history = mnist_cnn.fit(mnist_train, validation_data=mnist_val, epochs=EPOCHS, verbose=2)
mnist_fit_seconds = time.perf_counter() - start
mnist_cpu_seconds = time.process_time() - start_cpu
print(f"training time: {mnist_fit_seconds:.0f} s wall clock on {info.device} with "
      f"{info.threads} threads, validation included ({mnist_cpu_seconds:.0f} s of CPU time)")

# %% [markdown]
# The wall-clock time is what a learner waits; it grows when other programs share the
# CPU. The CPU time counts the work itself: with two threads on two otherwise idle cores
# the wall-clock time is roughly half of it.

# %%
plot_history(mnist_history, title="MNIST CNN: three epochs, one-cycle learning rate")

# %% [markdown]
# The honest measurement, on all 10,000 test images the network has never seen:

# %%
# NBVAL_CHECK_OUTPUT
mnist_test_loss, mnist_test_acc = mnist_cnn.evaluate(mnist_test, verbose=0)
print(f"MNIST test accuracy >= 0.99: {mnist_test_acc >= 0.99}")
assert mnist_test_acc >= 0.99, mnist_test_acc

# %%
print(f"MNIST test accuracy: {mnist_test_acc:.4f} after {mnist_fit_seconds:.0f} s of training")

# %% [markdown]
# ## 7. Fashion-MNIST: clothes are harder than digits
#
# Fashion-MNIST has the same format as MNIST (60,000 + 10,000 grey 28×28 images, 10
# classes) but shows clothes, and several classes look alike: shirts, T-shirts, pullovers
# and coats differ in details a 28×28 image barely shows. The same recipe, with more
# dropout because the problem is harder:

# %%
(fashion_x_train, fashion_y_train), (fashion_x_test, fashion_y_test) = load_fashion_mnist()
fashion_train, fashion_val, fashion_test = make_datasets(
    fashion_x_train, fashion_y_train, fashion_x_test, fashion_y_test)  # fmt: skip
show_images(fashion_x_train[:16], fashion_y_train[:16], class_names=FASHION_MNIST_CLASSES)

# %%
keras.utils.set_random_seed(SEED)
fashion_cnn = build_cnn(dropout=0.4)
FASHION_EPOCHS = 3
fashion_cnn.compile(optimizer=one_cycle_adam(FASHION_EPOCHS * int(fashion_train.cardinality())),
                    loss="sparse_categorical_crossentropy", metrics=["accuracy"])  # fmt: skip
fashion_history = fashion_cnn.fit(fashion_train, validation_data=fashion_val,
                                  epochs=FASHION_EPOCHS, verbose=2)  # fmt: skip

# %%
# NBVAL_CHECK_OUTPUT
fashion_test_loss, fashion_test_acc = fashion_cnn.evaluate(fashion_test, verbose=0)
print(f"Fashion-MNIST test accuracy >= 0.90: {fashion_test_acc >= 0.90}")
assert fashion_test_acc >= 0.90, fashion_test_acc

# %%
print(f"Fashion-MNIST test accuracy: {fashion_test_acc:.4f}")
fashion_pred = fashion_cnn.predict(fashion_test, verbose=0).argmax(axis=1)

# %% [markdown]
# A single accuracy hides *which* mistakes the network makes. The **confusion matrix**
# counts, for each true class (row), how often each class was predicted (column); the
# diagonal holds the correct answers.

# %%
plot_confusion_matrix(fashion_y_test, fashion_pred, class_names=FASHION_MNIST_CLASSES,
                      title="Fashion-MNIST test set: true vs predicted")  # fmt: skip

# %% [markdown]
# The mistakes cluster where we expected them: **shirts** are confused with T-shirts,
# pullovers and coats, pullovers with coats, and sneakers with sandals and ankle boots.
# Trousers and bags are almost never wrong. Looking at some misclassified test images
# (true class → prediction, in red) shows that many are hard even for a person:

# %%
wrong = np.flatnonzero(fashion_pred != fashion_y_test)[:24]
show_images(fashion_x_test[wrong], fashion_y_test[wrong], predictions=fashion_pred[wrong],
            class_names=FASHION_MNIST_CLASSES, ncols=8)  # fmt: skip

# %% [markdown]
# ## Summary
#
# - A convolution slides one small kernel over the image: **local connectivity** and
#   **weight sharing**. Keras computes a **cross-correlation** (no kernel flip) over all
#   input channels; a kernel has shape $(k_h, k_w, C_{in}, C_{out})$.
# - Output size per axis: $\lfloor (n - k_e)/s \rfloor + 1$ for `"valid"`,
#   $\lceil n/s \rceil$ for `"same"`, with $k_e = d(k-1)+1$; `"same"` puts an odd extra
#   zero after. Our NumPy `conv2d` and pooling agree with Keras to < 1e-5.
# - **Pooling** summarises windows per channel (max or average) and cheapens every later
#   layer; strided convolutions downsample, transposed convolutions upsample.
# - The **receptive field** grows by $d(k-1)$ times the jump per layer; strides multiply
#   the jump.
# - A convolution's parameter count, $(k_h k_w C_{in} + 1) C_{out}$, does not depend on
#   the image size; a dense layer's does, by orders of magnitude.
# - Early pooling, batch norm, a one-cycle learning rate and a `tf.data` pipeline train a
#   CNN to ≥ 99 % on MNIST in 3 epochs; the same recipe reaches ≥ 90 % on Fashion-MNIST,
#   where the confusion matrix shows the shirt-like classes as the hard ones.

# %% [markdown]
# ## Exercises
#
# Each exercise has a solution cell to complete (replace `raise NotImplementedError()`)
# and a check cell that tells you what is right or wrong. They use only the Setup cell's
# imports.
#
# **Exercise 6a.1: output size.** Write `output_size(n, k, stride, padding, dilation)`
# returning the output length along one axis of a `Conv2D` layer with kernel size `k` on
# an input of length `n`, for `padding` `"valid"` or `"same"`. Do not call
# `conv_output_size`; use the formula with the effective kernel size.

# %% nbgrader={"grade": false, "grade_id": "ex06a-1-solution", "locked": false, "schema_version": 3, "solution": true, "task": false}
def output_size(n, k, stride=1, padding="valid", dilation=1):
    """Output length of a convolution along one axis."""
    ### BEGIN SOLUTION
    k_eff = dilation * (k - 1) + 1
    if padding == "same":
        return -(-n // stride)  # ceil(n / stride)
    return (n - k_eff) // stride + 1
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex06a-1-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check_output_size(output_size)

# %% [markdown]
# **Exercise 6a.2: cross-correlation with slicing.** Write `correlate2d(image, kernel)` for
# one channel, no padding and stride 1, exactly what `Conv2D` computes (section 1). Try to
# use one loop over the kernel's taps instead of two over the output positions: for each
# tap $(u, v)$, add `kernel[u, v]` times a shifted slice of the image.

# %% nbgrader={"grade": false, "grade_id": "ex06a-2-solution", "locked": false, "schema_version": 3, "solution": true, "task": false}
def correlate2d(image, kernel):
    """'valid' 2-D cross-correlation of a 2-D image with a 2-D kernel."""
    ### BEGIN SOLUTION
    kh, kw = kernel.shape
    out_h, out_w = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros((out_h, out_w), dtype=np.float64)
    for u in range(kh):
        for v in range(kw):
            out += kernel[u, v] * image[u : u + out_h, v : v + out_w]
    return out
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex06a-2-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check_correlate2d(correlate2d)

# %% [markdown]
# **Exercise 6a.3: receptive field.** Write `rf(layers)` that returns the receptive field
# (one axis, in input pixels) of a stack of layers given as `(kernel_size, stride)` pairs,
# with the recurrence of section 4. For example `rf([(3, 1), (3, 1)])` is 5.

# %% nbgrader={"grade": false, "grade_id": "ex06a-3-solution", "locked": false, "schema_version": 3, "solution": true, "task": false}
def rf(layers):
    """Receptive field of a stack of (kernel_size, stride) layers."""
    ### BEGIN SOLUTION
    field, jump = 1, 1
    for kernel_size, stride in layers:
        field += (kernel_size - 1) * jump
        jump *= stride
    return field
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex06a-3-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check_receptive_field(rf)

# %% [markdown]
# ## Further reading
#
# - LeCun, Y., Boser, B., Denker, J. S. et al. (1989). *Backpropagation applied to
#   handwritten zip code recognition.* Neural Computation 1(4).
# - LeCun, Y., Bottou, L., Bengio, Y. and Haffner, P. (1998). *Gradient-based learning
#   applied to document recognition.* Proceedings of the IEEE 86(11). (LeNet-5, MNIST.)
# - Dumoulin, V. and Visin, F. (2016). *A guide to convolution arithmetic for deep
#   learning.* arXiv:1603.07285. (Output sizes, padding, strides, dilation, transposed
#   convolutions, with pictures.)
# - Ioffe, S. and Szegedy, C. (2015). *Batch normalization: accelerating deep network
#   training by reducing internal covariate shift.* ICML.
# - Krizhevsky, A., Sutskever, I. and Hinton, G. E. (2012). *ImageNet classification with
#   deep convolutional neural networks.* NeurIPS. (AlexNet.)
# - Simonyan, K. and Zisserman, A. (2015). *Very deep convolutional networks for
#   large-scale image recognition.* ICLR. (VGG: stacks of 3×3 convolutions.)
# - Smith, L. N. and Topin, N. (2019). *Super-convergence: very fast training of neural
#   networks using large learning rates.* (The one-cycle schedule.)
# - Xiao, H., Rasul, K. and Vollgraf, R. (2017). *Fashion-MNIST: a novel image dataset for
#   benchmarking machine learning algorithms.* arXiv:1708.07747.
# - Luo, W., Li, Y., Urtasun, R. and Zemel, R. (2016). *Understanding the effective
#   receptive field in deep convolutional neural networks.* NeurIPS.
