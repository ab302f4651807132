# backward that also takes the gradient step, changing params (training then steps twice).
# exercise: 02_biases
# fails: backward_biases
# message: changed `params`
# %% insert-after backward
_given_backward = backward


def backward(params, activations, zs, Y):
    grads = _given_backward(params, activations, zs, Y)
    for key, grad in grads.items():
        params[key] -= 0.5 * grad
    return grads
