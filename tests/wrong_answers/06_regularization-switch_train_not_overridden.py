# No train of its own: the network stays in evaluation mode, so Network.train's steps never drop a
# unit (forward and deltas are right in either mode).
# exercise: 06_regularization
# fails: dropout_switch
# passes: dropout, dropout_network
# message: step 1 of 10 ran without dropout
# %% insert-after dropout-network
class DropoutNetwork(DropoutNetwork):
    train = Network.train
