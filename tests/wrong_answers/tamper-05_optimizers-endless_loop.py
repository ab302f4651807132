# Momentum that never returns: its check is stopped at the time limit, and every check after it
# fails too (the run ends there: what a half-run notebook leaves behind cannot be trusted).
# exercise: 05_optimizers
# fails: momentum, adagrad, adam, optimizers_training
# message: did not finish within
# problem: did not finish within 5 s
# cell-timeout: 5
# %% replace momentum
def momentum(w, dw, state=None, lr=0.01, mu=0.9):
    while True:
        pass
