"""The encoder-decoder pieces (issue #17): BinaryConvTranspose2d and the export of a small U-Net-like graph
(ConvTranspose, nearest Upsample as Resize, Concat skips, Sigmoid)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper

import bnncim


def test_conv_transpose_weight_sign_of_zero_is_plus_one() -> None:
    t = bnncim.BinaryConvTranspose2d(1, 1, 2, stride=2)
    with torch.no_grad():
        t.weight.copy_(torch.tensor([[[[0.0, -0.3], [0.7, -0.0]]]]))
    y = t(torch.tensor([[[[1.0]]]]))
    assert y.tolist() == [[[[1.0, -1.0], [1.0, 1.0]]]]


def test_conv_transpose_is_torchs_with_sign_weights() -> None:
    torch.manual_seed(0)
    for k, s, p, op in ((2, 2, 0, 0), (3, 2, 1, 1), (3, 2, 1, 0), (3, 1, 1, 0)):
        t = bnncim.BinaryConvTranspose2d(3, 5, k, stride=s, padding=p, output_padding=op, bias=True)
        with torch.no_grad():
            t.bias.normal_()
        x = torch.randn(2, 3, 5, 7)
        want = F.conv_transpose2d(x, torch.where(t.weight >= 0, 1.0, -1.0), t.bias, s, p, op)
        got = t(x)
        assert got.shape == want.shape == (2, 5, (5 - 1) * s - 2 * p + k + op, (7 - 1) * s - 2 * p + k + op)
        assert torch.allclose(got, want, atol=1e-6)


def test_conv_transpose_straight_through_gradient() -> None:
    t = bnncim.BinaryConvTranspose2d(1, 1, 2, stride=2)
    with torch.no_grad():
        t.weight.copy_(torch.tensor([[[[0.5, -1.5], [1.2, -0.2]]]]))
    x = torch.tensor([[[[2.0, 3.0]]]])
    t(x).sum().backward()
    # every weight meets every input once (stride = kernel): d/dw = sum of inputs = 5, blocked where |w| > 1
    assert t.weight.grad.tolist() == [[[[5.0, 0.0], [0.0, 5.0]]]]
    bnncim.clip_weights(t)
    assert t.weight.abs().max().item() <= 1.0


class TinyUNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.c1 = bnncim.BinaryConv2d(1, 4, 3, padding=1)
        self.a1 = bnncim.SignActivation("BipolarQuant")
        self.c2 = bnncim.BinaryConv2d(4, 6, 3, padding=1)
        self.sd = bnncim.ScaleDropout(6, 0.2, 2.0)
        self.a2 = bnncim.SignActivation("BipolarQuant")
        self.up_t = bnncim.BinaryConvTranspose2d(6, 4, 2, stride=2)
        self.a3 = bnncim.SignActivation("BipolarQuant")
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.head = nn.Conv2d(14, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.a1(self.c1(x))
        b = self.a2(self.sd(self.c2(F.max_pool2d(s, 2))))
        u = self.a3(self.up_t(b))
        return torch.sigmoid(self.head(torch.cat([s, u, self.up(b)], 1)))


def test_encoder_decoder_export(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = TinyUNet().eval()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Upsample's export warnings are torch's own and filtered
        proto = bnncim.export(model, torch.zeros(2, 1, 8, 8), tmp_path / "u.onnx", output_name="probabilities")
    g = proto.graph
    inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    ops = [n.op_type for n in g.node]
    assert ops.count("ConvTranspose") == 1 and ops.count("Resize") == 1 and ops[-1] == "Sigmoid"
    ct = next(n for n in g.node if n.op_type == "ConvTranspose")
    assert inits[ct.input[1]].shape == (6, 4, 2, 2) and np.all(np.abs(inits[ct.input[1]]) == 1.0)
    rs = next(n for n in g.node if n.op_type == "Resize")
    # scales folded to one initializer (torch writes Concat of two constants), no empty roi tensor
    assert rs.input[1] == "" and inits[rs.input[2]].tolist() == [1.0, 1.0, 2.0, 2.0]
    cat = [n for n in g.node if n.op_type == "Concat"]
    assert len(cat) == 1 and [a.i for a in cat[0].attribute if a.name == "axis"] == [1] and len(cat[0].input) == 3
    dims = g.output[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "N" and [d.dim_value for d in dims[1:]] == [1, 8, 8]
    assert all(len(t.raw_data) > 0 for t in g.initializer)


def test_conv_transpose_sign_style_keeps_latents(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = nn.Sequential(bnncim.BinaryConvTranspose2d(2, 3, 2, stride=2))
    with torch.no_grad():
        model[0].weight[0, 0, 0, 0] = 0.0
    proto = bnncim.export(model, torch.zeros(1, 2, 4, 4), tmp_path / "t.onnx", weights="sign")
    g = proto.graph
    assert [n.op_type for n in g.node] == ["Sign", "ConvTranspose"]
    lat = {t.name: numpy_helper.to_array(t) for t in g.initializer}[g.node[0].input[0]]
    assert lat.shape == (2, 3, 2, 2) and not np.any(lat == 0)
    onnx.checker.check_model(proto)
