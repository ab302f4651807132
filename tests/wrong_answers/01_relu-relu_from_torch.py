# ReLU delegated to PyTorch's.
# exercise: 01_relu
# fails: relu
# message: called torch.relu
# %% replace relu
import torch


def relu(z):
    return torch.relu(torch.from_numpy(z)).numpy()
