# The ensemble's test error reported as the single network's.
# exercise: 07_capstone
# fails: test_error
# message: that is the ensemble's
# %% replace test-errors
def test_errors(nets, split):
    ensemble = ensemble_proba(nets, split.x).argmax(axis=1)
    error = float(np.mean(ensemble != split.labels))
    return error, error
