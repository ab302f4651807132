# The weights taken from a course network instead of drawn in a loop.
# exercise: 03_layer_loops
# fails: init_params
# message: called Network.__init__
# %% replace init-params
def init_params(sizes, seed=0):
    return Network(sizes, seed=seed).params
