"""What the machine is doing while a benchmark runs: its load, the libraries and their threads."""

from __future__ import annotations

import os


def load_average() -> str:
    """The 1-minute load average (processes running or waiting for a CPU), or ``n/a``."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except (AttributeError, OSError):  # not on this platform
        return "n/a"


def libraries() -> str:
    """NumPy, PyTorch and Keras versions and the threads each uses (imports the frameworks)."""
    import numpy as np
    import torch
    from threadpoolctl import threadpool_info

    from nnscratch.frameworks import keras_net  # imports TensorFlow, quietly

    blas = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    return (
        f"NumPy {np.__version__} (BLAS threads: {max(blas, default='?')}), PyTorch "
        f"{torch.__version__} (threads: {torch.get_num_threads()}), Keras "
        f"{keras_net.keras.__version__} (TensorFlow {keras_net.tf.__version__})."
    )
