# RMSProp delegated to torch.optim.RMSprop, kept in the state.
# exercise: 05_optimizers
# fails: rmsprop
# message: write the update yourself
# %% replace rmsprop
import torch

def rmsprop(w, dw, state=None, lr=0.01, alpha=0.99, eps=1e-8):
    if state is None:
        p = torch.nn.Parameter(torch.tensor(w))
        state = (p, torch.optim.RMSprop([p], lr=lr, alpha=alpha, eps=eps))
    p, opt = state
    p.grad = torch.tensor(dw)
    opt.step()
    return p.detach().numpy().copy(), state
