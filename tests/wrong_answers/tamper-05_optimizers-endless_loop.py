# Momentum that never returns: its check and the training are interrupted at the time limit; the
# other checks still run and pass.
# exercise: 05_optimizers
# fails: momentum, optimizers_training
# passes: adagrad, adam
# message: did not finish within
# cell-timeout: 5
# %% replace momentum
def momentum(w, dw, state=None, lr=0.01, mu=0.9):
    while True:
        pass
