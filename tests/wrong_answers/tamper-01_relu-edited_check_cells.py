# The released stubs, with check cells edited to print a fake PASS: the grader restores them.
# exercise: 01_relu
# base: exercise
# fails: all
# message: NotImplementedError
# %% replace check-relu
print("PASS relu: looks fine")
# %% replace check-relu-prime
print("PASS relu_prime: looks fine")
# %% replace check-relu-network
pass
# %% replace check-relu-training
print("PASS relu_training: looks fine")
