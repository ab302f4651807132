# A kernel message outside Jupyter's protocol (its content not JSON): the run of this notebook
# ends with a named problem, the grader's worker does not fail (red team of issue 23).
# exercise: 06_regularization
# base: exercise
# fails: all
# problem: the kernel sent a malformed message
# %% insert-after imports
# The kernel is the learner's: it can send the grader any message, here an iopub message
# whose content is not JSON (Session.send accepts pre-packed bytes).
from IPython import get_ipython
_k = get_ipython().kernel
_k.session.send(_k.iopub_socket, "display_data", content=b"{not json",
                parent=_k.get_parent("shell"), ident=b"display_data")
print("sent")
