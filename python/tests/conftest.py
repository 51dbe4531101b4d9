"""Small models built with the package, and a few training steps on random data.

Random data is enough: the tests check the layers, the export and the
compiler's agreement with ONNX Runtime, not accuracy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

import bnncim

REPO = Path(__file__).resolve().parents[2]


def mlp(p: float = 0.2, inputs: int = 64, hidden: int = 32) -> nn.Module:
    """Flatten - [BinaryLinear - ScaleDropout - BN - Sign] x2 - BinaryLinear - BN."""
    return nn.Sequential(
        nn.Flatten(),
        bnncim.BinaryLinear(inputs, hidden),
        bnncim.ScaleDropout(hidden, p, init_scale=2.0),
        nn.BatchNorm1d(hidden),
        bnncim.SignActivation(),
        bnncim.BinaryLinear(hidden, hidden),
        bnncim.ScaleDropout(hidden, p, init_scale=2.0),
        nn.BatchNorm1d(hidden),
        bnncim.SignActivation(),
        bnncim.BinaryLinear(hidden, 10),
        nn.BatchNorm1d(10),
    )


def cnn(p: float = 0.2) -> nn.Module:
    """Two binary 3x3 convs with Scale-Dropout and max-pooling, then a binary dense layer, on 1x8x8 inputs."""
    return nn.Sequential(
        bnncim.BinaryConv2d(1, 8, 3, padding=1),
        bnncim.ScaleDropout(8, p, init_scale=2.0),
        nn.BatchNorm2d(8),
        bnncim.SignActivation(),
        nn.MaxPool2d(2),
        bnncim.BinaryConv2d(8, 16, 3, padding=1),
        bnncim.ScaleDropout(16, p, init_scale=2.0),
        nn.BatchNorm2d(16),
        bnncim.SignActivation(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        bnncim.BinaryLinear(16 * 2 * 2, 10),
        nn.BatchNorm1d(10),
    )


def random_data(n: int = 256, seed: int = 0) -> Tuple[torch.Tensor, torch.Tensor]:
    """Pixels in [0, 1] on the 1/255 grid (as the chip reads them) and random labels."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 256, (n, 1, 8, 8), generator=g).float() / 255.0
    y = torch.randint(0, 10, (n,), generator=g)
    return x, y


def train(model: nn.Module, steps: int = 5, seed: int = 0) -> nn.Module:
    """A few Adam steps with latent-weight clipping, then eval mode."""
    torch.manual_seed(seed)
    x, y = random_data(seed=seed)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    for _ in range(steps):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        bnncim.clip_weights(model)
    return model.eval()
