# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 06b · Modern CNNs: augmentation, feature maps, residual blocks and transfer learning
#
# Chapter 06a trained CNNs on 50,000 labelled images. Real projects rarely have that many:
# labelling is slow and expensive, and a network with tens of thousands of weights
# memorises a thousand images long before it learns to generalise. This chapter measures
# the two most effective remedies. **Data augmentation** manufactures plausible new
# training images from the ones we have; **transfer learning** reuses a network trained on
# a related task with plenty of labels, so that the few labels we have only need to teach
# the last layer. On the way we open the network up, looking at the filters it learned and
# the feature maps they produce, and build the two ingredients of every modern CNN,
# **batch normalization** and the **residual connection**, with Keras's functional API.

# %% [markdown]
# ## Learning objectives
#
# After this chapter you can:
#
# - add random, label-preserving augmentation with Keras preprocessing layers, and
#   measure what it does to the gap between training and validation accuracy;
# - show a network's learned filters and the feature maps they produce for an image;
# - build a residual block with batch normalization in the functional API, and explain
#   why the skip connection keeps gradients alive in deep networks;
# - pretrain a network, freeze its base, train a new head on a related task with few
#   labels, fine-tune, and compare with training from scratch.
#
# ## Prerequisites
#
# Chapter 06a (convolutions, pooling, the MNIST and Fashion-MNIST CNNs) and chapter 05
# (overfitting, batch normalization, data augmentation in general).

# %% [markdown]
# ## Setup

# %%
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from course_utils.data import FASHION_MNIST_CLASSES, load_fashion_mnist, load_mnist
from course_utils.exercises.ch06b import (
    check_augmenter,
    check_residual_block,
    check_transfer_model,
)
from course_utils.plotting import history_frame, show_images
from course_utils.runtime import setup_runtime

%matplotlib inline

SEED = 42
info = setup_runtime(SEED)
layers = keras.layers

# %% [markdown]
# ## 1. Data augmentation, measured
#
# With only **1,000** labelled Fashion-MNIST images (about 100 per class), a CNN can reach
# 100 % training accuracy while its validation accuracy stalls: it memorises. Data
# augmentation applies random transformations that do not change the label, here a
# horizontal mirror, a shift of up to 5 % (about one pixel) and a zoom of up to ±5 %, so
# that in every epoch
# the network sees a slightly different version of each image. Formally we train on
#
# $$\min_\theta\; \frac{1}{n} \sum_{i=1}^{n} \mathbb{E}_{T \sim \mathcal{T}}\,
#   L\big(f_\theta(T(x_i)),\, y_i\big),$$
#
# an average over the random transformations $T$ as well as over the examples, which
# encodes what we know: a mirrored or slightly shifted coat is still a coat.
#
# The validation set is 500 other training images; the test set stays untouched.

# %%
(fashion_x_train, fashion_y_train), (fashion_x_test, fashion_y_test) = load_fashion_mnist()
N_SMALL, N_VAL = 1000, 500
small_x, small_y = fashion_x_train[:N_SMALL], fashion_y_train[:N_SMALL]
val_x, val_y = fashion_x_train[-N_VAL:], fashion_y_train[-N_VAL:]
print("images per class in the small training set:", np.bincount(small_y))


def scale(images, labels):
    return tf.cast(images, tf.float32)[..., None] / 255.0, labels


def pipeline(x, y, batch=64, shuffle=False):
    ds = tf.data.Dataset.from_tensor_slices((x, y)).cache()
    if shuffle:
        ds = ds.shuffle(len(x), seed=SEED)
    return ds.batch(batch).map(scale, num_parallel_calls=tf.data.AUTOTUNE).prefetch(
        tf.data.AUTOTUNE)


small_train = pipeline(small_x, small_y, batch=32, shuffle=True)
fashion_val = pipeline(val_x, val_y, batch=500)
fashion_test = pipeline(fashion_x_test, fashion_y_test, batch=1000)

# %% [markdown]
# Keras preprocessing layers do the augmentation inside the model. They are random only
# in training (`training=True`, what `fit` uses) and pass images through unchanged at
# inference, so `evaluate` and `predict` see the real images. Here are eight augmented
# versions of each of three training images:

# %%
def build_augmenter():
    return keras.Sequential([
        layers.RandomFlip("horizontal"),
        layers.RandomTranslation(0.05, 0.05, fill_mode="constant"),
        layers.RandomZoom(0.05, fill_mode="constant"),
    ], name="augment")  # fmt: skip


keras.utils.set_random_seed(SEED)
augmenter = build_augmenter()
originals = small_x[:3, :, :, None].astype(np.float32) / 255.0
augmented = np.concatenate([np.asarray(augmenter(originals, training=True)) for _ in range(7)])
grid = np.concatenate([originals, augmented]).reshape(8, 3, 28, 28).transpose(1, 0, 2, 3)
show_images(grid.reshape(24, 28, 28), ncols=8)

# %% [markdown]
# The first column shows the originals. Note that the augmentation is **horizontal only**:
# clothes are always photographed upright, so a vertical flip would produce images that
# never occur at test time.
#
# The experiment: the same small CNN (a 5×5 and a 3×3 convolution, each followed by max
# pooling, then a softmax layer), trained for the same number of epochs on the same 1,000
# images, once without and once with the augmenter as its first layer.

# %%
def small_cnn(augment=False):
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        *([build_augmenter()] if augment else []),
        layers.Conv2D(16, 5, padding="same", activation="relu", name="conv1"),
        layers.MaxPooling2D(),
        layers.Conv2D(32, 3, padding="same", activation="relu", name="conv2"),
        layers.MaxPooling2D(name="pool2"),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ], name="augmented" if augment else "plain")  # fmt: skip


AUG_EPOCHS = 40
aug_histories, aug_models = {}, {}
for augment in (False, True):
    keras.utils.set_random_seed(SEED)
    model = small_cnn(augment)
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])  # fmt: skip
    history = model.fit(small_train, validation_data=fashion_val, epochs=AUG_EPOCHS, verbose=0)
    aug_histories[model.name], aug_models[model.name] = history_frame(history), model
    last = aug_histories[model.name].iloc[-1]
    print(f"{model.name:9s}: train accuracy {last['accuracy']:.3f}, "
          f"validation accuracy {last['val_accuracy']:.3f}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for name, color in [("plain", "tab:red"), ("augmented", "tab:blue")]:
    frame = aug_histories[name]
    for ax, metric in zip(axes, ["accuracy", "loss"], strict=True):
        ax.plot(frame.index, frame[metric], color=color, alpha=0.5, label=f"{name}: train")
        ax.plot(frame.index, frame[f"val_{metric}"], "--", color=color,
                label=f"{name}: validation")  # fmt: skip
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
axes[0].legend()
axes[0].set_title("1,000 training images: accuracy")
axes[1].set_title("loss")
plt.show()

# %% [markdown]
# Without augmentation the training accuracy races towards 100 % and the training loss
# towards zero, while the validation loss stops improving after about ten epochs and
# creeps back up: the network memorises its 1,000 images (chapter 05). With augmentation
# the training task is harder: the training accuracy climbs more slowly and stays much
# closer to the validation accuracy, and the validation loss stays down. The numbers,
# with the test accuracy measured on all 10,000 test images:

# %%
aug_results = {}
for name, model in aug_models.items():
    frame = aug_histories[name]
    gap = frame["accuracy"].iloc[-1] - frame["val_accuracy"].iloc[-1]
    test_acc = model.evaluate(fashion_test, verbose=0)[1]
    aug_results[name] = (gap, test_acc)
    print(f"{name:9s}: train - validation gap {gap:+.3f}, test accuracy {test_acc:.3f}")
improvement = aug_results["augmented"][1] - aug_results["plain"][1]
print(f"augmentation: {improvement * 100:+.1f} points of test accuracy, gap "
      f"{aug_results['plain'][0]:.3f} -> {aug_results['augmented'][0]:.3f}")

# %%
# NBVAL_CHECK_OUTPUT
narrower = aug_results["augmented"][0] < aug_results["plain"][0] / 2
print("augmentation at least halves the train - validation gap:", narrower)
assert narrower

# %% [markdown]
# Augmentation reliably shrinks the gap between training and validation accuracy; how much
# test accuracy it buys depends on the budget. The augmented network is still improving
# when training stops, while the plain one has nothing left to learn from its 1,000
# images, so a longer run widens the difference. Augmentation is one of the cheapest
# regularisers: it costs no labels and nothing at inference.

# %% [markdown]
# ## 2. What the network learned: filters and feature maps
#
# The first layer's 16 filters are 5×5 weight patterns, small enough to look at directly.
# Red weights add the brightness of a pixel, blue ones subtract it.

# %%
augmented_cnn = aug_models["augmented"]
filters = augmented_cnn.get_layer("conv1").get_weights()[0][:, :, 0, :]  # (5, 5, 16)
limit = np.abs(filters).max()
fig, axes = plt.subplots(2, 8, figsize=(9, 2.6))
for i, ax in enumerate(axes.ravel()):
    ax.imshow(filters[:, :, i], cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(f"filter {i}", fontsize=8)
    ax.set_axis_off()
fig.suptitle("conv1: the 16 learned 5×5 filters")
plt.show()

# %% [markdown]
# Many filters are oriented edge or bar detectors (a red band next to a blue band), much
# like the hand-made Sobel kernels of chapter 06a; others respond to blobs of brightness.
# What a filter *does* is clearer from its **feature map**: the layer's output channel for
# one image. A second model sharing the trained layers returns the intermediate outputs:

# %%
feature_model = keras.Model(
    augmented_cnn.inputs[0],
    [augmented_cnn.get_layer(name).output for name in ("conv1", "conv2", "pool2")],
)
sample = fashion_x_test[:1, :, :, None].astype(np.float32) / 255.0
maps = {name: np.asarray(fmap)[0] for name, fmap in zip(("conv1", "conv2", "pool2"),
                                                        feature_model(sample), strict=True)}
for name, fmap in maps.items():
    print(f"{name}: {fmap.shape[0]}×{fmap.shape[1]} positions, {fmap.shape[2]} channels")

# %%
fig, axes = plt.subplots(3, 9, figsize=(11, 4.2))
for row, (name, fmap) in enumerate(maps.items()):
    axes[row, 0].imshow(sample[0, :, :, 0], cmap="gray_r")
    axes[row, 0].set_ylabel(name)
    axes[row, 0].set_title("input" if row == 0 else "", fontsize=8)
    for col in range(1, 9):
        axes[row, col].imshow(fmap[:, :, col - 1], cmap="viridis")
        axes[row, col].set_title(f"{name} ch {col - 1}", fontsize=7)
for ax in axes.ravel():
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle(f"Feature maps for a test image ({FASHION_MNIST_CLASSES[fashion_y_test[0]]})")
plt.show()

# %% [markdown]
# The first layer's maps are still pictures of the boot, each highlighting different
# edges. Deeper maps are smaller (after pooling) and more abstract: each channel fires
# where a particular combination of edges occurs, and the pooled 7×7 maps say *which
# parts* are present, and roughly where, more than *what it looks like*. Zeiler and Fergus (2014) made this
# progression famous for ImageNet networks.
#
# ## 3. A small modern CNN: batch normalization and a residual connection
#
# Stacking more plain convolutions eventually makes a network *harder* to train, even on
# its training set: the gradient that reaches the early layers is a product of many
# per-layer factors, and it shrinks (or explodes) with depth. He et al. (2016) fixed this
# with the **residual block**: the block learns a correction $F(x)$ that is *added* to its
# input,
#
# $$y = \operatorname{ReLU}\big(F(x) + x\big), \qquad
#   F(x) = \operatorname{BN}(W_2 * \operatorname{ReLU}(\operatorname{BN}(W_1 * x))),$$
#
# so $\partial y / \partial x = \partial F / \partial x + I$ (where the ReLU passes): the
# identity term carries the gradient back through every block unchanged. When the block
# changes the number of channels, the shortcut becomes a 1×1 convolution. A layer graph
# with a branch is not a `Sequential` stack, so it needs the **functional API**: call each
# layer on a tensor and combine the results with `layers.Add()`. (Batch norm's moving
# averages use `momentum=0.9` instead of the default 0.99, so that they settle within the
# few hundred training steps of this chapter's short runs; chapter 05 explains them.)

# %%
def residual_block(x, filters):
    shortcut = x
    if x.shape[-1] != filters:  # match the channel count with a 1x1 convolution
        shortcut = layers.Conv2D(filters, 1, use_bias=False)(x)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    y = layers.BatchNormalization(momentum=0.9)(y)
    y = layers.ReLU()(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(y)
    y = layers.BatchNormalization(momentum=0.9)(y)
    return layers.ReLU()(layers.Add()([y, shortcut]))


def modern_cnn(n_classes, name="modern_cnn"):
    inputs = keras.Input((28, 28, 1))
    x = layers.Conv2D(16, 3, padding="same", use_bias=False)(inputs)  # stem
    x = layers.ReLU()(layers.BatchNormalization(momentum=0.9)(x))
    x = layers.MaxPooling2D()(x)  # 14x14
    x = residual_block(x, 16)
    x = layers.Conv2D(32, 3, strides=2, padding="same", use_bias=False)(x)  # 7x7, downsample
    x = layers.ReLU()(layers.BatchNormalization(momentum=0.9)(x))
    x = residual_block(x, 32)
    features = layers.GlobalAveragePooling2D(name="features")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="head")(features)
    return keras.Model(inputs, outputs, name=name)


keras.utils.set_random_seed(SEED)
modern = modern_cnn(10)
print(f"{modern.count_params():,} parameters, {len(modern.layers)} layers")

# %% [markdown]
# The skip connection really is there: when a block's convolutions are all zero, $F(x) =
# 0$ and the block passes $\operatorname{ReLU}(x)$ straight through. A freshly built block
# (batch norm at its initial state, inference mode) shows it:

# %%
# NBVAL_CHECK_OUTPUT
block_input = keras.Input((14, 14, 16))
block = keras.Model(block_input, residual_block(block_input, 16))
for layer in block.layers:
    if isinstance(layer, layers.Conv2D):
        layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
x = np.random.default_rng(SEED).normal(size=(2, 14, 14, 16)).astype(np.float32)
passes_through = np.allclose(block(x, training=False), np.maximum(x, 0), atol=1e-5)
print("with F(x) = 0 the block outputs ReLU(x):", passes_through)
assert passes_through

# %% [markdown]
# Why it matters for depth: the size of the gradient that reaches the *first* layer of a
# freshly initialised network, on one batch of (resized) Fashion-MNIST images, for three
# stacks of 3×3 convolutions of growing depth: **plain** (conv → ReLU), **residual**
# ($x \leftarrow x + \operatorname{ReLU}(W * x)$, no normalization) and **residual with
# batch norm** ($x \leftarrow \operatorname{ReLU}(x + \operatorname{BN}(W * x))$, as in
# the block above).

# %%
def deep_stack(depth, kind):
    inputs = keras.Input((14, 14, 8))
    x = inputs
    for _ in range(depth):
        if kind == "plain":
            x = layers.Conv2D(8, 3, padding="same", activation="relu")(x)
        elif kind == "residual":
            x = layers.Add()([x, layers.Conv2D(8, 3, padding="same", activation="relu")(x)])
        else:  # residual with batch norm
            y = layers.BatchNormalization()(layers.Conv2D(8, 3, padding="same", use_bias=False)(x))
            x = layers.ReLU()(layers.Add()([x, y]))
    outputs = layers.Dense(10, activation="softmax")(layers.GlobalAveragePooling2D()(x))
    return keras.Model(inputs, outputs)


probe_x = tf.image.resize(
    tf.repeat(tf.constant(fashion_x_train[:32, :, :, None] / 255.0, tf.float32), 8, axis=-1),
    (14, 14))  # fmt: skip
probe_y = tf.constant(fashion_y_train[:32])
depths = [2, 8, 16, 32]
kinds = ["plain", "residual", "residual + batch norm"]
first_layer_grads = {kind: [] for kind in kinds}
for kind in kinds:
    for depth in depths:
        keras.utils.set_random_seed(SEED)
        net = deep_stack(depth, kind)
        with tf.GradientTape() as tape:
            probs = net(probe_x, training=True)
            loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(probe_y, probs))
        first_kernel_grad = tape.gradient(loss, net.trainable_variables)[0]
        first_layer_grads[kind].append(float(tf.norm(first_kernel_grad)))

fig, ax = plt.subplots(figsize=(6, 3.4))
for kind, marker in zip(kinds, "os^", strict=True):
    ax.semilogy(depths, first_layer_grads[kind], marker=marker, label=kind)
ax.set_xlabel("number of convolution layers")
ax.set_ylabel("‖gradient‖ at the first layer")
ax.set_title("Gradient reaching the first layer at initialisation")
ax.legend()
ax.grid(alpha=0.3)
plt.show()

# %%
# NBVAL_CHECK_OUTPUT
plain, bn = first_layer_grads["plain"], first_layer_grads["residual + batch norm"]
print("plain: the gradient at depth 32 is over 1,000 times smaller than at depth 2:",
      plain[-1] < plain[0] / 1000)
print("residual + batch norm: within a factor of 100 of depth 2:", 0.01 < bn[-1] / bn[0] < 100)
assert plain[-1] < plain[0] / 1000 and 0.01 < bn[-1] / bn[0] < 100

# %% [markdown]
# In the plain stack the gradient at the first layer collapses by orders of magnitude as
# depth grows, so the early layers barely learn. The identity path of the residual stack
# stops the collapse, but without normalization every block *adds* to the signal and the
# gradient grows instead. With batch norm in each branch it stays of the same order at
# every depth: together the two made networks of 50 to 150 layers trainable.

# %% [markdown]
# > **Common misconception:** "CIFAR-10's ten classes include *person*, *flower* or
# > *fish*."
# >
# > CIFAR-10, the usual benchmark for small residual networks (60,000 colour images of
# > 32×32 pixels), has exactly these classes, in the label order of
# > `keras.datasets.cifar10`: **airplane, automobile, bird, cat, deer, dog, frog, horse,
# > ship, truck**. Lists that mention people, flowers, fish or trees mix it up with
# > CIFAR-100 (100 classes in 20 superclasses such as *people*, *flowers*, *fish*,
# > *trees*). Note also that *automobile* and *truck* are separate classes with no overlap
# > (pickup trucks are in neither). The data set is not needed offline to state this:

# %%
# NBVAL_CHECK_OUTPUT
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck")  # fmt: skip
for label, name in enumerate(CIFAR10_CLASSES):
    print(label, name)
assert len(set(CIFAR10_CLASSES)) == 10
assert not {"person", "flower", "fish", "tree", "car"} & set(CIFAR10_CLASSES)

# %% [markdown]
# ## 4. Transfer learning: a pretrained base and few labels
#
# Suppose we need a classifier for the digits **5–9** but have only **50** labelled
# examples (10 per digit), while a large labelled set exists for a *related* task, the
# digits **0–4**. Strokes, curves and line endings look the same in both, so features
# learned on 0–4 should be useful for 5–9. The recipe:
#
# 1. **pretrain** the modern CNN on digits 0–4 (about 30,000 images);
# 2. **freeze** its base (everything up to its last 7×7 feature maps) and put a new
#    softmax **head** for the 5 new classes on top; train only the head on the few labels;
# 3. optionally **fine-tune**: unfreeze the base and train everything a little more with a
#    small learning rate;
#
# and compare with the same network trained **from scratch** on the same few labels.
# Everything is evaluated on all test images of digits 5–9.

# %%
(mnist_x_train, mnist_y_train), (mnist_x_test, mnist_y_test) = load_mnist()
old = mnist_y_train < 5
new_train = np.flatnonzero(~old)
rng = np.random.default_rng(SEED)
few = np.concatenate([rng.choice(new_train[mnist_y_train[new_train] == d], 10, replace=False)
                      for d in range(5, 10)])  # fmt: skip
held_out = np.setdiff1d(new_train, few)[:500]  # validation for the curves
new_test = mnist_y_test >= 5

pretrain_ds = pipeline(mnist_x_train[old], mnist_y_train[old], batch=128, shuffle=True)
few_ds = pipeline(mnist_x_train[few], mnist_y_train[few] - 5, batch=32, shuffle=True)
new_val = pipeline(mnist_x_train[held_out], mnist_y_train[held_out] - 5, batch=1000)
new_test_ds = pipeline(mnist_x_test[new_test], mnist_y_test[new_test] - 5, batch=1000)
print(f"pretraining: {old.sum()} images of digits 0-4 | few labels: {len(few)} images of "
      f"5-9 | test: {new_test.sum()} images of 5-9")

# %% [markdown]
# Step 1, pretraining, with the one-cycle recipe of chapter 06a for one epoch:

# %%
keras.utils.set_random_seed(SEED)
pretrained = modern_cnn(5, name="pretrained_on_0_4")
pretrain_steps = int(pretrain_ds.cardinality())
schedule = keras.optimizers.schedules.CosineDecay(
    4e-4, decay_steps=pretrain_steps, warmup_target=4e-3, warmup_steps=pretrain_steps // 10)
pretrained.compile(optimizer=keras.optimizers.Adam(schedule),
                   loss="sparse_categorical_crossentropy", metrics=["accuracy"])  # fmt: skip
pretrained.fit(pretrain_ds, epochs=1, verbose=2)
old_test_ds = pipeline(mnist_x_test[~new_test], mnist_y_test[~new_test], batch=1000)
print(f"test accuracy on digits 0-4: {pretrained.evaluate(old_test_ds, verbose=0)[1]:.4f}")

# %% [markdown]
# Step 2: the base is the pretrained network up to the input of its global-average-pooling
# layer: 7×7×32 feature maps which, flattened, give 1,568 features that still say *where*
# each stroke is. Setting `base.trainable = False` *before* compiling freezes all its
# weights (and keeps its batch norm layers in inference mode). Only the new head learns:
# $1568 \cdot 5 + 5 = 7845$ weights.

# %%
FEW_EPOCHS = 30


def train_on_few(model, learning_rate, epochs=FEW_EPOCHS):
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])  # fmt: skip
    history = model.fit(few_ds, validation_data=new_val, epochs=epochs, verbose=0)
    return history_frame(history)


def with_new_head(model, n_classes):
    """The model's convolutional base (up to its pooling) under a new softmax head."""
    base = keras.Model(model.inputs[0], model.get_layer("features").input, name="base")
    head = [layers.Flatten(), layers.Dense(n_classes, activation="softmax", name="new_head")]
    return keras.Sequential([base, *head], name=f"{model.name}_new_head"), base


keras.utils.set_random_seed(SEED)
transfer, base = with_new_head(pretrained, 5)
base.trainable = False
transfer_curves = train_on_few(transfer, 1e-2)
trainable = sum(int(np.prod(w.shape)) for w in transfer.trainable_weights)
frozen_test_acc = transfer.evaluate(new_test_ds, verbose=0)[1]
print(f"trainable parameters: {trainable} of {transfer.count_params():,}")

# %% [markdown]
# Step 3, fine-tuning: unfreeze the base and continue for a few epochs with a learning
# rate 100 times smaller, so the pretrained features adapt without being destroyed.
# (Recompiling is required for the change of `trainable` to take effect.)

# %%
base.trainable = True
fine_tune_curves = train_on_few(transfer, 1e-4, epochs=10)

# %% [markdown]
# The baseline: the very same architecture, randomly initialised, all of it trained on the
# same 50 labels. It gets more epochs, since every weight has to be learned from scratch.

# %%
keras.utils.set_random_seed(SEED)
scratch, _ = with_new_head(modern_cnn(5, name="from_scratch"), 5)
scratch_curves = train_on_few(scratch, 2e-3, epochs=FEW_EPOCHS + 10)

# %%
fig, ax = plt.subplots(figsize=(7, 3.6))
ax.plot(scratch_curves.index, scratch_curves["val_accuracy"], color="tab:red",
        label="from scratch (all weights)")  # fmt: skip
ax.plot(transfer_curves.index, transfer_curves["val_accuracy"], color="tab:blue",
        label="frozen pretrained base + new head")  # fmt: skip
ax.plot(FEW_EPOCHS + fine_tune_curves.index, fine_tune_curves["val_accuracy"], color="tab:green",
        label="then fine-tuned (all weights, lr 1e-4)")  # fmt: skip
ax.set_xlabel("epoch (50 labelled images of digits 5-9)")
ax.set_ylabel("validation accuracy")
ax.set_title("Transfer from digits 0-4 to digits 5-9 with 50 labels")
ax.grid(alpha=0.3)
ax.legend()
plt.show()

# %% [markdown]
# The curves show the validation accuracy of each stage, epoch by epoch. On the full test
# set of digits 5–9:

# %%
transfer_results = {
    "from scratch": scratch.evaluate(new_test_ds, verbose=0)[1],
    "frozen base + head": frozen_test_acc,
    "then fine-tuned": transfer.evaluate(new_test_ds, verbose=0)[1],
}
for name, acc in transfer_results.items():
    print(f"{name:20s} test accuracy on digits 5-9: {acc:.3f}")
gain = transfer_results["then fine-tuned"] - transfer_results["from scratch"]
print(f"transfer learning gains {gain * 100:.1f} points over training from scratch")

# %%
# NBVAL_CHECK_OUTPUT
print("transfer learning beats training from scratch:", gain > 0)
assert gain > 0

# %% [markdown]
# Transfer works because the early layers of a CNN learn generic features (edges, strokes,
# textures) and only the later layers specialise, as Yosinski et al. (2014) measured
# layer by layer. It is how almost every practical image model is built today: start from
# a network pretrained on a large data set (ImageNet, via `keras.applications`), freeze it,
# train a head, then fine-tune with a small learning rate.
#
# ## Summary
#
# - **Data augmentation** trains on random label-preserving variants of each image. With
#   1,000 Fashion-MNIST images it narrowed the gap between training and validation accuracy
#   and raised test accuracy; the Keras preprocessing layers are off at inference.
#   Choose transformations that keep the label (no vertical flips for clothes).
# - **Filters** of the first layer are edge, bar and blob detectors; **feature maps** get
#   smaller and more abstract with depth.
# - A **residual block** computes $\operatorname{ReLU}(F(x) + x)$; the identity path keeps
#   the gradient alive in deep stacks. With **batch norm** and the **functional API** it
#   is the building block of modern CNNs.
# - **Transfer learning**: pretrain on a related task with many labels, freeze the base,
#   train a new head on the few labels, then fine-tune with a small learning rate. With 50
#   labels it beat training from scratch.
# - CIFAR-10's classes are airplane, automobile, bird, cat, deer, dog, frog, horse, ship,
#   truck.

# %% [markdown]
# ## Exercises
#
# Each exercise has a solution cell to complete (replace `raise NotImplementedError()`)
# and a check cell that tells you what is right or wrong. They use only the Setup cell's
# imports (`keras`, `layers = keras.layers`, `np`, `tf`).
#
# **Exercise 6b.1: an augmenter for clothes.** Write `build_augmenter()` returning a Keras
# layer (for example a `keras.Sequential` of preprocessing layers) that randomly mirrors
# images left-right, shifts them by up to 10 % and zooms by up to 10 %. It must never turn
# an image upside down, and must leave images unchanged at inference.

# %% nbgrader={"grade": false, "grade_id": "ex06b-1-solution", "locked": false, "schema_version": 3, "solution": true, "task": false}
def build_augmenter():
    """Random horizontal flips, shifts and zooms; identity at inference."""
    ### BEGIN SOLUTION
    return keras.Sequential([
        layers.RandomFlip("horizontal"),
        layers.RandomTranslation(0.1, 0.1, fill_mode="constant"),
        layers.RandomZoom(0.1, fill_mode="constant"),
    ])  # fmt: skip
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex06b-1-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check_augmenter(build_augmenter)

# %% [markdown]
# **Exercise 6b.2: a residual block.** Write `residual_block(x, filters)` in the functional
# API: `x` is a Keras tensor, the result is
# $\operatorname{ReLU}(F(x) + \text{shortcut}(x))$ with
# $F$ = conv 3×3 → batch norm → ReLU → conv 3×3 → batch norm (`padding="same"`), and the
# shortcut $x$ itself, or a 1×1 convolution when `filters` differs from the number of
# channels of `x`.

# %% nbgrader={"grade": false, "grade_id": "ex06b-2-solution", "locked": false, "schema_version": 3, "solution": true, "task": false}
def residual_block(x, filters):
    """ReLU(F(x) + shortcut(x)) with a 1x1-conv shortcut when the channel count changes."""
    ### BEGIN SOLUTION
    shortcut = x
    if x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, use_bias=False)(x)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    y = layers.ReLU()(layers.BatchNormalization()(y))
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(y)
    y = layers.BatchNormalization()(y)
    return layers.ReLU()(layers.Add()([y, shortcut]))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex06b-2-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check_residual_block(residual_block)

# %% [markdown]
# **Exercise 6b.3: a transfer model.** Write `build_transfer_model(base, n_classes)` that
# freezes the pretrained `base` (a model that outputs a feature vector), puts a new
# `Dense(n_classes, activation="softmax")` head on top, and returns the compiled model
# (Adam, sparse categorical cross-entropy). Only the head may learn.

# %% nbgrader={"grade": false, "grade_id": "ex06b-3-solution", "locked": false, "schema_version": 3, "solution": true, "task": false}
def build_transfer_model(base, n_classes):
    """A frozen base under a new, trainable softmax head, compiled."""
    ### BEGIN SOLUTION
    base.trainable = False
    model = keras.Sequential([base, layers.Dense(n_classes, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])  # fmt: skip
    return model
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex06b-3-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check_transfer_model(build_transfer_model)

# %% [markdown]
# ## Further reading
#
# - He, K., Zhang, X., Ren, S. and Sun, J. (2016). *Deep residual learning for image
#   recognition.* CVPR. (ResNet.)
# - Ioffe, S. and Szegedy, C. (2015). *Batch normalization: accelerating deep network
#   training by reducing internal covariate shift.* ICML.
# - Yosinski, J., Clune, J., Bengio, Y. and Lipson, H. (2014). *How transferable are
#   features in deep neural networks?* NeurIPS.
# - Zeiler, M. D. and Fergus, R. (2014). *Visualizing and understanding convolutional
#   networks.* ECCV.
# - Krizhevsky, A., Sutskever, I. and Hinton, G. E. (2012). *ImageNet classification with
#   deep convolutional neural networks.* NeurIPS. (Augmentation by crops and flips.)
# - Krizhevsky, A. (2009). *Learning multiple layers of features from tiny images.*
#   Technical report, University of Toronto. (CIFAR-10 and CIFAR-100.)
# - Simonyan, K. and Zisserman, A. (2015). *Very deep convolutional networks for
#   large-scale image recognition.* ICLR.
# - LeCun, Y., Bottou, L., Bengio, Y. and Haffner, P. (1998). *Gradient-based learning
#   applied to document recognition.* Proceedings of the IEEE 86(11).
# - Shorten, C. and Khoshgoftaar, T. M. (2019). *A survey on image data augmentation for
#   deep learning.* Journal of Big Data 6.
