# A notebook that switches itself to quick mode, graded in full mode: it trains on the small slice
# (here one short epoch), but the grade evaluates on the full validation set, with the full
# threshold, and says why the accuracy is low.
# exercise: 04_minibatch
# grade: full
# fails: minibatch_training
# message: ran in quick mode
# %% insert-after imports
%env NNSCRATCH_QUICK=1
# %% replace train
data = mnist_splits()  # the quick slice: 5,000 training images
net = Network(seed=0)
train_epoch(net, data.train, lr=1.0, batch_size=32, rng=np.random.default_rng(0))
