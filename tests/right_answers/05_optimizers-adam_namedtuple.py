# Adam's state as a namedtuple, a new one returned at every step.
# exercise: 05_optimizers
# passes: momentum, adagrad, rmsprop, adam
# %% replace adam
from collections import namedtuple

Moments = namedtuple("Moments", "m v t")


def adam(w, dw, state=None, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v, t = state or Moments(np.zeros_like(w), np.zeros_like(w), 0)
    t += 1
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    w = w - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return w, Moments(m, v, t)
