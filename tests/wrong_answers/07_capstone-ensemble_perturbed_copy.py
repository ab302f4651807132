# An ensemble of one network and copies of it nudged by 1e-6: not networks trained from other
# seeds (found by the red team of issue 23: only exact copies were caught).
# exercise: 07_capstone
# fails: capstone_training, test_error
# message: are the same network
# %% replace ensemble-train
for k in range(1, NETS):  # one network trained; the others are copies, nudged
    nets.append({key: v + np.float32(1e-6) for key, v in nets[0].items()})
print(f"{len(nets)} networks in the ensemble")
