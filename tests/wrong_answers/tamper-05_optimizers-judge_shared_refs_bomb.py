# exercise: 05_optimizers
# base: exercise
# fails: momentum, adagrad
# message: each time named
# %% insert-after imports
# A forged reply of about 1 MB whose first weight is a list of 16,000 references to one 1 MB
# array: a judge expanding it would build 16 GB in the grader's worker. Plain data counts an
# array each time it is named, so the reply is refused (red team of issue 23).
import base64, io, json, re
from IPython import get_ipython
from IPython.display import display
MIME = "application/x-nnscratch-probe"
BOMB_REFS = 16000

def _bomb(nonce, cid):
    ref = {"$array": "a0"}
    run = {"$dict": {"w": [[[ref] * BOMB_REFS, ref, ref]] + [[ref, ref, ref]] * 14}}
    small = {"$dict": {"w": [[ref, ref, ref]] * 15}}
    outputs = {"$dict": {"runs": [run, small], "unset": [small, small]}}
    tree = {"$dict": {"nonce": nonce, "check": cid, "outputs": outputs}}
    buf = io.BytesIO()
    np.savez_compressed(buf, __tree__=np.frombuffer(json.dumps(tree).encode(), np.uint8),
                        a0=np.zeros(131_072))
    display({MIME: f"{nonce}:{base64.b64encode(buf.getvalue()).decode()}"}, raw=True)

def _forge(lines):
    m = re.search(r"serve_probe\('([^']*)', '([a-z_]+)', '([0-9a-f]+)'", "".join(lines))
    return [f"_bomb({m.group(3)!r}, {m.group(2)!r})\n"] if m and m.group(2) == "momentum" else lines

get_ipython().input_transformers_post.append(_forge)
