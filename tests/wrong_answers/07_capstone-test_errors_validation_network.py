# The single network's test error measured on the validation run's network (trained on 51,000
# images), not on nets[0].
# exercise: 07_capstone
# fails: test_error
# message: measure nets[0] alone on data.test
# %% replace test-errors
def test_errors(nets, split):
    single = predict_proba(val_params, split.x).argmax(axis=1)
    ensemble = ensemble_proba(nets, split.x).argmax(axis=1)
    return (float(np.mean(single != split.labels)),
            float(np.mean(ensemble != split.labels)))
