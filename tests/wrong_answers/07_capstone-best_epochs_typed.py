# The number of epochs typed by hand (read off earlier test errors) in place of the validation
# curve's choice.
# exercise: 07_capstone
# fails: capstone_training
# message: by nothing else (not the test set)
# %% insert-after validation-run
best_epochs = 2  # the epochs that gave the best test error last time
