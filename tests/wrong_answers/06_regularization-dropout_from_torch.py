# PyTorch's dropout on a tensor made from A: a library's dropout, not the learner's.
# exercise: 06_regularization
# fails: dropout
# message: called torch.nn.functional.dropout
# %% replace dropout
import torch


def dropout(A, p_keep, rng):
    out = torch.nn.functional.dropout(torch.from_numpy(A), p=1 - p_keep)
    out = out.numpy()
    return out, out != 0
