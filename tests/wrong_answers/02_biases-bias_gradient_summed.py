# The bias gradient summed over the batch instead of averaged.
# exercise: 02_biases
# fails: bias_gradients
# message: times the true gradient
# %% replace bias-gradients
def bias_gradients(deltas):
    D1, D2, D3 = deltas
    return {"b1": D1.sum(axis=0), "b2": D2.sum(axis=0), "b3": D3.sum(axis=0)}
