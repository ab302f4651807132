# The released stubs, plus a cell that defines fake check functions and patches the package's: the
# canonical check cells reload the checks and import the real ones.
# exercise: 02_biases
# base: exercise
# fails: all
# %% insert-after imports
import nnscratch.grade.checks.ex02_biases as real
import nnscratch.grade.harness


def check_init_biases(*args):
    print("PASS init_biases: fake")


check_forward_biases = check_bias_gradients = check_biases_training = check_init_biases
real.check_init_biases = real.check_forward_biases = check_init_biases
real.check_bias_gradients = real.check_biases_training = check_init_biases
nnscratch.grade.harness.call = lambda fn, what, *args, **kwargs: None
