# The training check given the course network with biases (its own backward), not BiasNetwork.
# exercise: 02_biases
# fails: biases_training
# message: runs the course network's
# %% replace bias-network
class BiasNetwork(Network):
    def __init__(self, sizes=(784, 128, 64, 10), seed=0):
        super().__init__(sizes, seed=seed, biases=True)
