# AdaGrad computed with PyTorch tensors kept in the state.
# exercise: 05_optimizers
# fails: adagrad
# message: state holding a torch.Tensor
# %% replace adagrad
import torch


def adagrad(w, dw, state=None, lr=0.01, eps=1e-10):
    G = torch.zeros(w.shape, dtype=torch.float64) if state is None else state
    g = torch.from_numpy(dw)
    G += g * g
    return w - lr * (g / (G.sqrt() + eps)).numpy(), G
