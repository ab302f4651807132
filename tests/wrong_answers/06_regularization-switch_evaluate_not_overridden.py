# train switches training mode on, but evaluate does not switch it off: the losses and accuracies
# recorded after every epoch are those of random thinned networks.
# exercise: 06_regularization
# fails: dropout_switch
# passes: dropout, dropout_network
# message: measured with dropout on
# %% insert-after dropout-network
class DropoutNetwork(DropoutNetwork):
    evaluate = Network.evaluate
