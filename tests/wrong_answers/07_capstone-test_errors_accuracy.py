# The test accuracies returned where the statement asks for the errors.
# exercise: 07_capstone
# fails: test_error
# message: that is an accuracy
# %% replace test-errors
def test_errors(nets, split):
    single = predict_proba(nets[0], split.x).argmax(axis=1)
    ensemble = ensemble_proba(nets, split.x).argmax(axis=1)
    return (float(np.mean(single == split.labels)),
            float(np.mean(ensemble == split.labels)))
