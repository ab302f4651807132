# A correct notebook that silences print: its checks still pass (the grader reads their results
# from the kernel, not from the printed PASS lines).
# exercise: 01_relu
# passes: relu, relu_prime, relu_network
# %% insert-after imports
import builtins

builtins.print = lambda *args, **kwargs: None
