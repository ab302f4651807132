# Adam delegated to torch.optim.Adam, kept in the state.
# exercise: 05_optimizers
# fails: adam
# message: called torch.optim
# %% replace adam
import torch


def adam(w, dw, state=None, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    if state is None:
        p = torch.nn.Parameter(torch.tensor(w))
        state = {"p": p, "opt": torch.optim.Adam([p], lr=lr, betas=(beta1, beta2), eps=eps)}
    state["p"].grad = torch.tensor(dw)
    state["opt"].step()
    return state["p"].detach().numpy().copy(), state
