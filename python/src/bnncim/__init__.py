"""bnncim for model authors: binarized Scale-Dropout layers, ONNX export, and the compiler from Python.

Define a model with the layers below, train it with any PyTorch loop, write
it with ``export`` in the form the bnncim compiler accepts
(docs/onnx-conventions.md), then ``compile``/``run``/``evaluate``/``verify``
it through the Java CLI of the repository (``$BNNCIM_HOME`` or the checkout
this package sits in).
"""

from .nn import (
    BinaryConv2d,
    BinaryConvTranspose2d,
    BinaryLinear,
    BinaryWeight,
    MCDropout,
    QuantActivation,
    ScaleDropout,
    SignActivation,
    clip_weights,
    mc_mode,
)
from .onnx_export import export, tidy_onnx
from .toolchain import (
    BnncimError,
    Prediction,
    bnncim_home,
    cli,
    compile,
    evaluate,
    predict,
    run,
    sweep,
    uncertainty,
    verify,
)

__version__ = "0.1.0"

__all__ = [
    "ScaleDropout",
    "MCDropout",
    "BinaryLinear",
    "BinaryConv2d",
    "BinaryConvTranspose2d",
    "BinaryWeight",
    "SignActivation",
    "QuantActivation",
    "mc_mode",
    "clip_weights",
    "export",
    "tidy_onnx",
    "compile",
    "run",
    "predict",
    "uncertainty",
    "Prediction",
    "evaluate",
    "verify",
    "sweep",
    "cli",
    "bnncim_home",
    "BnncimError",
]
