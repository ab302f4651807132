# An endless loop that swallows the interrupt: the grader gives up on the kernel after the time limit.
# exercise: 03_layer_loops
# fails: forward_loops, backward_loops, loops_training
# passes: init_params
# message: not run
# problem: did not finish within 5 s
# cell-timeout: 5
# %% insert-after check-init-params
while True:
    try:
        while True:
            pass
    except KeyboardInterrupt:
        pass
