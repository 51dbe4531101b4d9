"""Autograd functions of the binary layers, with their ONNX symbolics.

scripts/train_reference.py trains and exports the reference models with these
(through the layers in nn.py): their forward arithmetic and exported nodes are
those the committed models were made with, and must stay so for the models to
regenerate byte for byte (python/tests/test_train_reference.py).
"""

from __future__ import annotations

from typing import Any, Optional

import torch

SD_DOMAIN = "ai.bnncim"
"""Custom domain of ScaleDropout (docs/onnx-conventions.md section 3)."""
QONNX_DOMAIN = "qonnx.custom_op.general"
"""Domain of BipolarQuant as QONNX writes it; the frontend accepts it as a binarizer."""


def sign_pm1(x: torch.Tensor) -> torch.Tensor:
    """sign with sign(0) = +1, the hardware's convention (torch.sign(0) is 0)."""
    return torch.where(x >= 0, 1.0, -1.0).to(x.dtype)


class SignSTE(torch.autograd.Function):
    """Forward sign (sign(0)=+1); backward straight through, zero where |x| > 1.

    The clipped estimator keeps latent values from drifting far past the point
    where flipping their sign is possible. Exported as standard ONNX Sign.
    """

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        ctx.save_for_backward(x)
        return sign_pm1(x)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        (x,) = ctx.saved_tensors
        return grad.masked_fill(x.abs() > 1, 0.0)

    @staticmethod
    def symbolic(g: Any, x: Any) -> Any:
        return g.op("Sign", x)


class BipolarQuantSTE(torch.autograd.Function):
    """scale * sign(x) (sign(0)=+1), exported as QONNX BipolarQuant(x, scale)."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        ctx.save_for_backward(x)
        return sign_pm1(x) * scale

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> Any:  # type: ignore[override]
        (x,) = ctx.saved_tensors
        return grad.masked_fill(x.abs() > 1, 0.0), None

    @staticmethod
    def symbolic(g: Any, x: Any, scale: Any) -> Any:
        y = g.op(QONNX_DOMAIN + "::BipolarQuant", x, scale)
        # The shape hint: without it torch cannot infer the custom op's output
        # shape and warns; the output has the input's type and shape.
        y.setType(x.type())
        return y


def _expectation(x: torch.Tensor, scale: torch.Tensor, p: float, dropped: Optional[torch.Tensor]) -> torch.Tensor:
    shape = [1, -1] + [1] * (x.dim() - 2)
    if dropped is None:
        # Written as the reference models were trained and measured; keep it, so float results agree bit for bit.
        return x * ((1.0 - p) * scale.view(shape) + p)
    return x * ((1.0 - p) * scale.view(shape) + p * _per_channel(dropped, shape))


def _per_channel(t: torch.Tensor, shape: list) -> torch.Tensor:
    return t.view(shape) if t.dim() > 0 else t


class ScaleDropoutExport(torch.autograd.Function):
    """Used only while exporting: computes the expectation (so tracing sees the
    right values and shape) and is written as ai.bnncim::ScaleDropout."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, scale: torch.Tensor, p: float) -> torch.Tensor:  # type: ignore[override]
        return _expectation(x, scale, p, None)

    @staticmethod
    def symbolic(g: Any, x: Any, scale: Any, p: float) -> Any:
        y = g.op(SD_DOMAIN + "::ScaleDropout", x, scale, p_f=float(p), axis_i=1)
        y.setType(x.type())
        return y


class ScaleDropoutDroppedExport(torch.autograd.Function):
    """As ScaleDropoutExport, with the optional third input dropped_scale."""

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any, x: torch.Tensor, scale: torch.Tensor, dropped: torch.Tensor, p: float
    ) -> torch.Tensor:
        return _expectation(x, scale, p, dropped)

    @staticmethod
    def symbolic(g: Any, x: Any, scale: Any, dropped: Any, p: float) -> Any:
        y = g.op(SD_DOMAIN + "::ScaleDropout", x, scale, dropped, p_f=float(p), axis_i=1)
        y.setType(x.type())
        return y


class DropoutExport(torch.autograd.Function):
    """Used only while exporting: identity, written as standard ONNX Dropout with
    the ratio as an input (opset 13), so MC-Dropout stays visible in the graph
    (torch drops Dropout in eval-mode exports)."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, ratio: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return x.clone()

    @staticmethod
    def symbolic(g: Any, x: Any, ratio: Any) -> Any:
        y = g.op("Dropout", x, ratio, outputs=1)
        y.setType(x.type())
        return y


QUANT_ROUNDING = {
    "ROUND": torch.round,  # half to even, as numpy.round
    "FLOOR": torch.floor,
    "CEIL": torch.ceil,
}
"""The rounding modes QONNX's Quant executes (qonnx's resolve_rounding_mode knows these three), as torch functions."""


def quant_int_range(bits: int, signed: bool, narrow: bool) -> "tuple[int, int]":
    """QONNX's min_int/max_int: signed [-2^(b-1) (+1 if narrow), 2^(b-1)-1], unsigned [0, 2^b-1 (-1 if narrow)]."""
    if signed:
        return -(2 ** (bits - 1)) + (1 if narrow else 0), 2 ** (bits - 1) - 1
    return 0, 2 ** bits - 1 - (1 if narrow else 0)


class QuantSTE(torch.autograd.Function):
    """QONNX Quant with a per-tensor scale, in float32 as QONNX computes it:
    q = clip(x / scale + zeropt, min_int, max_int); out = (round(q) - zeropt) * scale (clip before round).

    Backward: straight through the rounding, zero outside the clip range; the scale's gradient is LSQ's
    (Esser et al., 2020): round(q) - q inside the range and the bound outside. Exported as
    qonnx.custom_op.general::Quant(x, scale, zeropt, bitwidth) with signed, narrow, rounding_mode.
    """

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any, x: torch.Tensor, scale: torch.Tensor, zeropt: torch.Tensor, bitwidth: torch.Tensor,
        lo: int, hi: int, signed: int, narrow: int, rounding_mode: str,
    ) -> torch.Tensor:
        q = x / scale + zeropt
        inside = (q >= lo) & (q <= hi)
        q = torch.clamp(q, float(lo), float(hi))
        r = QUANT_ROUNDING[rounding_mode](q)
        ctx.save_for_backward(inside, q, r, scale)
        ctx.bounds = (lo, hi)
        return (r - zeropt) * scale

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> Any:  # type: ignore[override]
        inside, q, r, scale = ctx.saved_tensors
        grad_x = grad.masked_fill(~inside, 0.0)
        grad_scale = None
        if ctx.needs_input_grad[1]:
            lo, hi = ctx.bounds
            d = torch.where(inside, r - q, torch.where(q <= lo, float(lo), float(hi)).to(q.dtype))
            grad_scale = (grad * d).sum().reshape(scale.shape)
        return grad_x, grad_scale, None, None, None, None, None, None, None

    @staticmethod
    def symbolic(  # type: ignore[override]
        g: Any, x: Any, scale: Any, zeropt: Any, bitwidth: Any, lo: int, hi: int, signed: int, narrow: int,
        rounding_mode: str,
    ) -> Any:
        y = g.op(QONNX_DOMAIN + "::Quant", x, scale, zeropt, bitwidth,
                 signed_i=int(signed), narrow_i=int(narrow), rounding_mode_s=rounding_mode)
        y.setType(x.type())
        return y
