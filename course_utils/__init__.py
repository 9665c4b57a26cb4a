"""Helpers for the course *Deep Learning with Keras and TensorFlow*.

Small modules with one job each; import what you use by name, for example
``from course_utils.data import load_mnist``. Importing this package has no
side effects: it does not import TensorFlow, touch matplotlib or read files.

Modules
-------
Course infrastructure (chapter 00):

runtime            seeding, determinism, thread counts, logging, environment report
cache              where Keras caches data sets, and making an offline copy of a cache
data               one loader per data set used in the course
plotting           training curves, image grids, decision boundaries, confusion matrices
validation         argument checks that give clear errors (shapes, types)
checks             feedback for the auto-checked exercises
exercises          the exercise checks of each chapter (``exercises.ch00`` ...)
widgets            interactive explorers: controls that redraw a figure (chapter 01)
explorers          the computations behind each chapter's explorer (``explorers.ch01`` ...)

Scratch implementations, each checked against Keras by the tests:

activations        activation functions and their derivatives (chapter 01)
neuron             the neuron and the perceptron learning rule (chapter 01)
mlp                dense layers and an MLP trained by hand-written backprop (chapter 02)
gradcheck          numerical gradients by central differences (chapter 02)
losses             loss functions (chapter 03)
optimizers         optimizer update rules (chapter 04)
schedules          learning-rate schedules (chapter 04)
regularization     dropout, batch normalization, L2 and weight decay (chapter 05)
validation_splits  hold-out, k-fold, leave-one-out and bootstrap splits (chapter 05)
convolution        2-D convolution, pooling, output sizes, receptive fields (chapter 06)
recipes            the fast CNN training recipe: pipeline, model, one-cycle Adam (chapter 06a)
training           restarting a compiled model for a new run without re-tracing (chapter 06c)
recurrent          simple RNN, LSTM and GRU cells, backpropagation through time (chapter 07)
word2vec           skip-gram with negative sampling (chapter 08)
attention          additive, scaled dot-product and multi-head attention, positions (chapter 09)
vae                the reparameterization trick, the Gaussian KL and the ELBO (chapter 10)
gan                the GAN value function and the generator and discriminator losses (chapter 11)
monitoring         input-drift statistics and confidence checks (chapter 12)
distributed        a two-worker MultiWorkerMirroredStrategy training run on one host (chapter 12)

Data the project makes itself:

dates              dates written in many human formats, paired with ISO dates (chapter 08)
"""

__version__ = "0.1.0"
