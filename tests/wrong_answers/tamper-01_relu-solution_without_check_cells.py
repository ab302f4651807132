# A correct notebook whose check cells were deleted and cell ids renewed (as some editors do), its
# metadata lost: the grader finds the exercise by file name and the places of the checks by content.
# exercise: 01_relu
# passes: all
# %% delete check-relu
# %% delete check-relu-prime
# %% delete check-relu-network
# %% delete check-relu-training
# %% new-ids
# %% drop-metadata
