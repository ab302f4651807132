# The sum over the batch divided by the training's batch size, 64, typed in: right only for a full
# batch of 64 (the check's batch holds 6 images; an epoch's last batch is smaller too).
# exercise: 02_biases
# fails: bias_gradients
# message: divided by 64, but this batch holds 6 images
# %% replace bias-gradients
def bias_gradients(deltas):
    D1, D2, D3 = deltas
    return {"b1": D1.sum(axis=0) / 64, "b2": D2.sum(axis=0) / 64,
            "b3": D3.sum(axis=0) / 64}
