"""Layers of binarized Scale-Dropout networks and the Monte-Carlo switch.

Why a separate MC switch: Monte-Carlo inference must sample the dropout bits
while batch norm uses its running statistics. model.train() would do the first
and break the second, so sampling is a flag of its own (mc_mode) that leaves
train()/eval() alone.
"""

from __future__ import annotations

import math
from typing import Iterator, Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from ._functions import (
    BipolarQuantSTE,
    QUANT_ROUNDING,
    DropoutExport,
    QuantSTE,
    ScaleDropoutDroppedExport,
    ScaleDropoutExport,
    SignSTE,
    _expectation,
    _per_channel,
    quant_int_range,
    sign_pm1,
)

__all__ = [
    "ScaleDropout",
    "MCDropout",
    "BinaryWeight",
    "BinaryLinear",
    "BinaryConv2d",
    "BinaryConvTranspose2d",
    "SignActivation",
    "QuantActivation",
    "mc_mode",
    "clip_weights",
]

WEIGHT_STYLES = ("prebin", "sign")


class ScaleDropout(nn.Module):
    """Scale-Dropout (Ahmed et al., 2023) on the output of a binary layer, before BN.

    One Bernoulli(p) bit z per example per forward pass for the whole layer:
    y = x * (z ? dropped_scale : scale), the scale vector kept or dropped as a
    whole, which is why one stochastic unit on the chip serves the whole model.

    Bits are sampled in training and in MC mode (see mc_mode); otherwise the
    output is the expectation x * ((1-p)*scale + p*dropped_scale). Setting
    ``z`` (bool tensor [N], or a scalar) fixes the bits in every mode, for
    reproducible samples and for comparing with the chip bit for bit.
    """

    def __init__(
        self,
        num_features: int,
        p: float,
        init_scale: float,
        dropped_scale: Optional[Union[float, torch.Tensor]] = None,
    ) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError("ScaleDropout: p must be in [0, 1), got %r" % p)
        self.p = float(p)
        self.scale = nn.Parameter(torch.full((num_features,), float(init_scale)))
        # None means "all ones" and is exported with two inputs, as the convention's default.
        self.dropped_scale: Optional[torch.Tensor]
        if dropped_scale is None:
            self.register_buffer("dropped_scale", None)
        else:
            self.register_buffer("dropped_scale", torch.as_tensor(dropped_scale, dtype=torch.float32).clone())
        self.mc = False
        self.z: Optional[torch.Tensor] = None
        self.exporting = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.exporting:
            if self.dropped_scale is None:
                return ScaleDropoutExport.apply(x, self.scale, self.p)
            return ScaleDropoutDroppedExport.apply(x, self.scale, self.dropped_scale, self.p)
        shape = [1, -1] + [1] * (x.dim() - 2)
        zshape = [-1] + [1] * (x.dim() - 1)
        s = self.scale.view(shape)
        if self.z is not None:
            z = torch.as_tensor(self.z, dtype=torch.bool, device=x.device).reshape(zshape)
        elif self.training or self.mc:
            z = (torch.rand(x.shape[0], device=x.device) < self.p).view(zshape)
        else:
            return _expectation(x, self.scale, self.p, self.dropped_scale)
        d = torch.ones_like(s) if self.dropped_scale is None else _per_channel(self.dropped_scale, shape).expand_as(s)
        return x * torch.where(z, d, s)

    def extra_repr(self) -> str:
        return "%d, p=%g, dropped_scale=%s" % (
            self.scale.numel(),
            self.p,
            "1" if self.dropped_scale is None else "tensor",
        )


class MCDropout(nn.Module):
    """Classic per-neuron dropout (inverted scaling), the baseline Scale-Dropout improves on.

    Samples in training and in MC mode; ``mask`` (a keep-mask broadcastable to
    the input) fixes the sample. Exported as standard ONNX Dropout with the
    ratio as an input (opset 13), which bnncim maps with --mc-dropout.
    """

    def __init__(self, p: float) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError("MCDropout: p must be in [0, 1), got %r" % p)
        self.p = float(p)
        self.mc = False
        self.mask: Optional[torch.Tensor] = None
        self.exporting = False
        self.register_buffer("ratio", torch.tensor(self.p, dtype=torch.float32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.exporting:
            return DropoutExport.apply(x, self.ratio)
        if self.mask is not None:
            return x * self.mask / (1.0 - self.p)
        if self.training or self.mc:
            return F.dropout(x, self.p, True)
        return x

    def extra_repr(self) -> str:
        return "p=%g" % self.p


class _Binarized(nn.Module):
    """Shared freeze/clip logic of layers with a latent float weight.

    While exporting, the weight is either a {-1,+1} buffer ('prebin', an
    initializer in the ONNX file) or Sign(latent) in the graph ('sign').
    """

    export_style: Optional[str]

    def _latent(self) -> torch.Tensor:
        raise NotImplementedError

    def binary_weight(self) -> torch.Tensor:
        """The weight the layer computes with: buffer while exporting 'prebin', else sign via STE."""
        if self.export_style == "prebin":
            return self.wbin
        return SignSTE.apply(self._latent())

    def freeze(self, style: str) -> None:
        """Prepare for export in the given weight style."""
        if style not in WEIGHT_STYLES:
            raise ValueError("weight style must be one of %s, got %r" % (WEIGHT_STYLES, style))
        with torch.no_grad():
            lat = self._latent().data
            if style == "sign":
                # ONNX Sign(0) = 0 but the chip reads +1: no latent weight may be exactly zero.
                lat[lat == 0] = 1e-6
        self.register_buffer("wbin", sign_pm1(self._latent().detach()).clone())
        self.export_style = style

    def unfreeze(self) -> None:
        """Undo freeze(), so that exporting leaves the model's state_dict as it was."""
        if "wbin" in self._buffers:
            del self._buffers["wbin"]
        self.export_style = None

    def clip_(self) -> None:
        """Clip the latent weight to [-1, 1]: beyond it the STE passes no gradient."""
        with torch.no_grad():
            self._latent().clamp_(-1.0, 1.0)


class BinaryWeight(_Binarized):
    """A bare binarized weight of any shape, called as ``w()``.

The weight of scripts/train_reference.py's models (parameter ``latent``,
    buffer ``wbin``, uniform init scaled by 1/sqrt(fan_in), the initial
    weights the reference models were trained from): models written as
    ``torch.matmul(h, self.w())`` export as the reference models do, MatMul
    with a [in, out] initializer.
    """

    def __init__(self, shape: Tuple[int, ...], fan_in: int) -> None:
        super().__init__()
        self.latent = nn.Parameter(torch.empty(*shape).uniform_(-1.0, 1.0) * (1.0 / math.sqrt(fan_in)))
        self.export_style = None

    def _latent(self) -> torch.Tensor:
        return self.latent

    def forward(self) -> torch.Tensor:
        return self.binary_weight()


class BinaryLinear(_Binarized):
    """Linear layer with sign-binarized weights (sign(0)=+1) and an optional float bias.

    ``weight`` is the latent float weight [out, in] as in nn.Linear. Computed
    as MatMul(x, W^T) so the export is a MatMul with an [in, out] {-1,+1}
    initializer (no Gemm/Transpose), the form the reference models use.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = False) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        bound = 1.0 / math.sqrt(in_features)
        self.weight = nn.Parameter(torch.empty(out_features, in_features).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.zeros(out_features)) if bias else None
        self.export_style = None

    def _latent(self) -> torch.Tensor:
        return self.weight

    def freeze(self, style: str) -> None:
        super().freeze(style)
        self.wbin = self.wbin.t().contiguous()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.export_style == "prebin":
            w = self.wbin
        else:
            w = SignSTE.apply(self.weight).t()
        y = torch.matmul(x, w)
        return y if self.bias is None else y + self.bias

    def extra_repr(self) -> str:
        return "in_features=%d, out_features=%d, bias=%s" % (self.in_features, self.out_features, self.bias is not None)


class BinaryConv2d(_Binarized):
    """2-D convolution with sign-binarized weights (sign(0)=+1) and an optional float bias.

    Zero padding is what the chip's crossbar mapping assumes; note that a
    padded zero is neither +1 nor -1, exactly as in the reference CNN.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        bias: bool = False,
    ) -> None:
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        fan_in = in_channels * kernel_size * kernel_size
        bound = 1.0 / math.sqrt(fan_in)
        shape = (out_channels, in_channels, kernel_size, kernel_size)
        self.weight = nn.Parameter(torch.empty(*shape).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.export_style = None

    def _latent(self) -> torch.Tensor:
        return self.weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.binary_weight(), self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        return "%d, %d, kernel_size=%d, stride=%d, padding=%d, bias=%s" % (
            self.in_channels,
            self.out_channels,
            self.kernel_size,
            self.stride,
            self.padding,
            self.bias is not None,
        )


class BinaryConvTranspose2d(_Binarized):
    """2-D transposed convolution with sign-binarized weights (sign(0)=+1) and an optional float bias.

    ``weight`` is the latent float weight [in, out, k, k] as in nn.ConvTranspose2d, which is also ONNX
    ConvTranspose's layout, so the export is one ConvTranspose with a {-1,+1} initializer (or Sign of the
    latent weight), group 1. Output positions that no input reaches get 0 (plus the bias), as the chip's
    undriven word lines do.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        output_padding: int = 0,
        bias: bool = False,
    ) -> None:
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.output_padding = output_padding
        # each output position sums at most in_channels * ceil(k/stride)^2 products; nn.ConvTranspose2d's
        # init uses the weight's dim 1 (out * k * k) as fan-in, which only sets the latent range here
        fan_in = in_channels * kernel_size * kernel_size
        bound = 1.0 / math.sqrt(fan_in)
        shape = (in_channels, out_channels, kernel_size, kernel_size)
        self.weight = nn.Parameter(torch.empty(*shape).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.export_style = None

    def _latent(self) -> torch.Tensor:
        return self.weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv_transpose2d(x, self.binary_weight(), self.bias, self.stride, self.padding, self.output_padding)

    def extra_repr(self) -> str:
        return "%d, %d, kernel_size=%d, stride=%d, padding=%d, output_padding=%d, bias=%s" % (
            self.in_channels,
            self.out_channels,
            self.kernel_size,
            self.stride,
            self.padding,
            self.output_padding,
            self.bias is not None,
        )


class SignActivation(nn.Module):
    """Binarize activations: sign(0)=+1 forward, clipped straight-through backward.

    ``export_as="Sign"`` writes standard ONNX Sign; ``"BipolarQuant"`` writes
    QONNX BipolarQuant(x, 1.0), whose sign(0)=+1 agrees with the chip (ONNX
    Runtime's Sign(0)=0 does not, which ``verify`` flags).
    """

    def __init__(self, export_as: str = "Sign") -> None:
        super().__init__()
        if export_as not in ("Sign", "BipolarQuant"):
            raise ValueError("export_as must be 'Sign' or 'BipolarQuant', got %r" % export_as)
        self.export_as = export_as
        if export_as == "BipolarQuant":
            self.register_buffer("bq_scale", torch.tensor(1.0, dtype=torch.float32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.export_as == "BipolarQuant":
            return BipolarQuantSTE.apply(x, self.bq_scale)
        return SignSTE.apply(x)


class QuantActivation(nn.Module):
    """k-bit activations (bits 2..8): QONNX ``Quant`` with one per-tensor scale and zero point 0.

    Forward, in float32 exactly as QONNX computes it: ``q = clip(x / scale, min_int, max_int)``, then
    ``round(q)`` (``rounding_mode``: ``"ROUND"`` half to even as numpy, ``"FLOOR"`` or ``"CEIL"``, the
    modes QONNX executes), then ``* scale``; the clip comes before the rounding. The integer range is
    ``[-2^(b-1), 2^(b-1)-1]`` when ``signed`` (``narrow`` drops the lowest level), else ``[0, 2^b-1]``
    (``narrow`` drops the highest). Backward: straight through the rounding, zero outside the clip range.
    With ``learn_scale`` the scale is a parameter trained with LSQ's gradient; it must stay positive.

    Exported as one ``qonnx.custom_op.general::Quant(x, scale, zeropt, bitwidth)`` node with the
    attributes ``signed``, ``narrow`` and ``rounding_mode`` and scalar float32 initializers.
    For 1-bit activations use SignActivation (``export_as="BipolarQuant"`` for QONNX).
    """

    def __init__(
        self,
        bits: int,
        signed: bool = True,
        narrow: bool = False,
        scale: float = 1.0,
        learn_scale: bool = False,
        rounding_mode: str = "ROUND",
    ) -> None:
        super().__init__()
        if isinstance(bits, bool) or not isinstance(bits, int):
            raise ValueError("QuantActivation: bits must be an int in 2..8, got %r" % (bits,))
        if bits == 1:
            raise ValueError(
                "QuantActivation: bits=1 is the binary case; use SignActivation "
                "(export_as='BipolarQuant' for QONNX) for 1-bit activations"
            )
        if not 2 <= bits <= 8:
            raise ValueError("QuantActivation: bits must be in 2..8, got %d" % bits)
        if rounding_mode not in QUANT_ROUNDING:
            raise ValueError(
                "QuantActivation: rounding_mode must be one of %s, got %r" % (sorted(QUANT_ROUNDING), rounding_mode)
            )
        if not (isinstance(scale, (int, float)) and math.isfinite(scale) and scale > 0):
            raise ValueError("QuantActivation: scale must be a positive number, got %r" % (scale,))
        self.bits = bits
        self.signed = bool(signed)
        self.narrow = bool(narrow)
        self.rounding_mode = rounding_mode
        self.min_int, self.max_int = quant_int_range(bits, self.signed, self.narrow)
        s = torch.tensor(float(scale), dtype=torch.float32)
        self.scale: torch.Tensor
        if learn_scale:
            self.scale = nn.Parameter(s)
        else:
            self.register_buffer("scale", s)
        self.register_buffer("zeropt", torch.tensor(0.0, dtype=torch.float32))
        self.register_buffer("bitwidth", torch.tensor(float(bits), dtype=torch.float32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return QuantSTE.apply(
            x, self.scale, self.zeropt, self.bitwidth, self.min_int, self.max_int,
            int(self.signed), int(self.narrow), self.rounding_mode,
        )

    def levels(self) -> torch.Tensor:
        """The values the activation can take: scale * [min_int..max_int]."""
        return torch.arange(self.min_int, self.max_int + 1, dtype=torch.float32) * self.scale.detach()

    def extra_repr(self) -> str:
        return "bits=%d, signed=%s, narrow=%s, scale=%g%s, rounding_mode=%s" % (
            self.bits, self.signed, self.narrow, float(self.scale),
            " (learned)" if isinstance(self.scale, nn.Parameter) else "", self.rounding_mode,
        )


def _stochastic(model: nn.Module) -> Iterator[Union[ScaleDropout, MCDropout]]:
    for m in model.modules():
        if isinstance(m, (ScaleDropout, MCDropout)):
            yield m


class mc_mode:
    """Switch Monte-Carlo sampling of every ScaleDropout/MCDropout in ``model`` on or off.

    Takes effect at once and leaves train()/eval() alone (keep the model in
    eval so BN uses running statistics). Used as a context manager, it
    restores the previous flags on exit::

        model.eval()
        with bnncim.mc_mode(model):
            samples = [model(x).softmax(1) for _ in range(20)]
    """

    def __init__(self, model: nn.Module, enabled: bool = True) -> None:
        self._saved = [(m, m.mc) for m in _stochastic(model)]
        for m, _ in self._saved:
            m.mc = bool(enabled)

    def __enter__(self) -> "mc_mode":
        return self

    def __exit__(self, *exc: object) -> None:
        for m, old in self._saved:
            m.mc = old


def clip_weights(model: nn.Module) -> None:
    """Clip every latent binary weight to [-1, 1]; call after each optimizer step."""
    for m in model.modules():
        if isinstance(m, _Binarized):
            m.clip_()
