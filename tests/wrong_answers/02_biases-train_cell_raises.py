# The training cell raises at the first step (a misspelt argument of sgd): the training check must lead with that error.
# exercise: 02_biases
# fails: biases_training
# passes: init_biases, forward_biases, backward_biases
# message: raised TypeError
# %% replace train
data = mnist_splits()
epochs, batch_size = pick(full=3, quick=5), 16
optimizer = partial(sgd, learning_rate=0.5)

net = BiasNetwork(seed=0)
history = net.train(data.train, data.val, epochs=epochs, optimizer=optimizer,
                    batch_size=batch_size)
