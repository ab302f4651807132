# The errors themselves as the biases' gradients, one row per image: dL/db_l = delta_l holds for
# one image, but the batch's loss is the mean over its images.
# exercise: 02_biases
# fails: bias_gradients
# message: one row per image
# %% replace bias-gradients
def bias_gradients(deltas):
    D1, D2, D3 = deltas
    return {"b1": D1, "b2": D2, "b3": D3}
