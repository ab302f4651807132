# A notebook that patches the course's configuration to quick mode, graded in full mode: the
# grade's settings and data are the grader's, not the configuration's.
# exercise: 04_minibatch
# grade: full
# fails: minibatch_training
# message: ran in quick mode
# %% insert-after imports
import nnscratch.config

nnscratch.config.is_quick = lambda: True
# %% replace train
data = mnist_splits()  # the quick slice: 5,000 training images
net = Network(seed=0)
train_epoch(net, data.train, lr=1.0, batch_size=32, rng=np.random.default_rng(0))
