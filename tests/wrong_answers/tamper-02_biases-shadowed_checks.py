# The released stubs, plus a cell that defines fake check functions and patches the package's: the
# canonical check cells reload nnscratch.checks and import the real ones.
# exercise: 02_biases
# base: exercise
# fails: all
# %% insert-after imports
import nnscratch.checks


def check_init_biases(*args):
    print("PASS init_biases: fake")


check_forward_biases = check_backward_biases = check_biases_training = check_init_biases
nnscratch.checks.check_init_biases = check_init_biases
nnscratch.checks.check_forward_biases = check_init_biases
nnscratch.checks.check_backward_biases = check_init_biases
nnscratch.checks.check_biases_training = check_init_biases
