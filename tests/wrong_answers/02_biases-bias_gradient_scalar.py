# One number per layer as the bias gradient (the mean of all of Delta_l): every bias of the layer moves alike.
# exercise: 02_biases
# fails: bias_gradients, biases_training
# passes: init_biases, forward_biases
# message: db2 has shape ()
# %% replace bias-gradients
def bias_gradients(deltas):
    D1, D2, D3 = deltas
    return {"b1": D1.mean(axis=0), "b2": D2.mean(), "b3": D3.mean(axis=0)}
