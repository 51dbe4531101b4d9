"""Small models built with the package, and a few training steps on random data.

Random data is enough: the tests check the layers, the export and the
compiler's agreement with ONNX Runtime, not accuracy.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Dict, NamedTuple, Tuple

import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

import bnncim
from onnx import numpy_helper

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


def load_train_reference() -> ModuleType:
    """scripts/train_reference.py as a module (its main() does not run)."""
    path = REPO / "scripts" / "train_reference.py"
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location("train_reference", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class CommittedReference(NamedTuple):
    """A committed reference model (testdata/models/NAME.onnx) and the state it was exported from."""

    path: Path
    proto: onnx.ModelProto
    p: float
    state: Dict[str, torch.Tensor]

    def load_into(self, model: nn.Module) -> None:
        """Load the file's initializers into a model with the reference attribute names."""
        missing, unexpected = model.load_state_dict(self.state, strict=False)
        # equal constants (the second ratio, the second BipolarQuant scale) were de-duplicated in the file
        assert not unexpected, unexpected
        assert all(k.endswith(("num_batches_tracked", ".ratio", ".bq_scale")) for k in missing), missing


def committed_reference(name: str) -> CommittedReference:
    """The state of a committed reference model, read back from its initializers: a {-1,+1} weight
    initializer (wbin) is its own latent weight, so exporting it again gives the same initializer."""
    path = REPO / "testdata" / "models" / (name + ".onnx")
    proto = onnx.load(str(path))
    p = 0.0
    for node in proto.graph.node:
        if node.op_type == "ScaleDropout":
            p = [onnx.helper.get_attribute_value(a) for a in node.attribute if a.name == "p"][0]
    inits = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in proto.graph.initializer}
    if "drop.0.ratio" in inits:
        p = float(inits["drop.0.ratio"])
    state = {k.replace(".wbin", ".latent"): v for k, v in inits.items()}
    return CommittedReference(path, proto, p, state)
