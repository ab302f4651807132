# A notebook that switches itself to quick mode, graded in full mode: it trains on the small slice
# for a few epochs, but the grade evaluates on the full validation set, with the full threshold,
# and says why the accuracy is low.
# exercise: 07_capstone
# grade: full
# fails: capstone_training
# message: ran in quick mode
# %% insert-after imports
%env NNSCRATCH_QUICK=1
