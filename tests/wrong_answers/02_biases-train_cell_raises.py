# The training cell raises at the first step (a misspelt argument of sgd): the training check must lead with that error.
# exercise: 02_biases
# fails: biases_training
# passes: init_biases, forward_biases, bias_gradients
# message: raised TypeError
# %% replace train
data = mnist_splits()
epochs = pick(full=3, quick=10)
optimizer = partial(sgd, learning_rate=MINIBATCH_LR)

net = BiasNetwork(seed=0)
history = net.train(data.train, data.val, epochs=epochs, optimizer=optimizer,
                    batch_size=64)
