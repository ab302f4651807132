"""What a training run measured, epoch by epoch (``Network.train`` and the frameworks' ``fit``)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np


@dataclass
class History:
    """What ``Network.train`` measured, one entry per epoch."""

    train_loss: list[float] = field(default_factory=list)  # mean cross-entropy, training split
    train_accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # training time (evaluation excluded)
    lr: list[float | None] = field(default_factory=list)  # learning rate (None: custom optimizer)

    def __add__(self, later: History) -> History:
        """``first + later``: one history of two runs in a row (training continued after first)."""
        return History(
            **{f.name: getattr(self, f.name) + getattr(later, f.name) for f in fields(History)}
        )

    @property
    def epochs(self) -> int:
        return len(self.val_accuracy)

    @property
    def best_epoch(self) -> int:
        """The (1-based) epoch with the highest validation accuracy."""
        return int(np.argmax(self.val_accuracy)) + 1

    def record(
        self, seconds: float, lr: float | None, train: tuple[float, float], val: tuple[float, float]
    ) -> None:
        """Append one epoch: training seconds, learning rate, (loss, accuracy) on train and val."""
        self.seconds.append(seconds)
        self.lr.append(lr)
        (train_loss, train_accuracy), (val_loss, val_accuracy) = train, val
        self.train_loss.append(train_loss)
        self.train_accuracy.append(train_accuracy)
        self.val_loss.append(val_loss)
        self.val_accuracy.append(val_accuracy)

    def line(self, epochs: int, epoch: int | None = None, show_lr: bool = True) -> str:
        """One epoch (default: the last) in a line: ``epoch  2/10  lr 0.1  train loss ...``."""
        i = (epoch or self.epochs) - 1
        rate = f"lr {self.lr[i]:.4g}  " if show_lr and self.lr[i] is not None else ""
        return (
            f"epoch {i + 1:2d}/{epochs}  {rate}train loss {self.train_loss[i]:.4f}  val acc "
            f"{self.val_accuracy[i]:.4f}  {self.seconds[i]:.2f} s"
        )
