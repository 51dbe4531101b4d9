"""Export a model built with bnncim.nn to the ONNX form bnncim accepts.

The conventions are docs/onnx-conventions.md: ai.bnncim::ScaleDropout (domain
version 1, attributes p and axis), binarized weights as {-1,+1} initializers
(or Sign of the latent weight), standard Dropout with a ratio input for
MC-Dropout, QONNX BipolarQuant / Quant (domain qonnx.custom_op.general,
version 1) for SignActivation("BipolarQuant") / QuantActivation. scripts/train_reference.py writes the committed reference models
with it; they regenerate byte for byte from their initializers
(python/tests/test_train_reference.py), so the steps must not change the bytes.
"""

from __future__ import annotations

import os
import re
import warnings
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper

from ._functions import QONNX_DOMAIN, SD_DOMAIN
from .nn import MCDropout, QuantActivation, ScaleDropout, SignActivation, _Binarized

__all__ = ["export", "tidy_onnx"]

PathLike = Union[str, "os.PathLike[str]"]


def export(
    model: nn.Module,
    example_input: torch.Tensor,
    path: PathLike,
    opset: int = 13,
    *,
    weights: str = "prebin",
    input_name: str = "input",
    output_name: str = "logits",
    producer_name: str = "bnncim python package",
    producer_version: str = "1",
    doc_string: str = "",
) -> onnx.ModelProto:
    """Write ``model`` to ``path`` in bnncim's ONNX conventions and return the checked proto.

    ``weights="prebin"`` stores binary weights as {-1,+1} initializers;
    ``"sign"`` keeps the latent weights and a Sign node (latent zeros are
    nudged to 1e-6 first, since ONNX Sign(0) = 0). The batch dimension is
    dynamic ("N"). The model's training flag, MC flags and fixed bits are
    restored afterwards; the export itself runs in eval mode on the
    expectation of every ScaleDropout.
    """
    was_training = model.training
    stoch = [m for m in model.modules() if isinstance(m, (ScaleDropout, MCDropout))]
    saved = [(m, m.mc, getattr(m, "z", None), getattr(m, "mask", None)) for m in stoch]
    binarized = [m for m in model.modules() if isinstance(m, _Binarized)]
    model.eval()
    try:
        for m in stoch:
            m.mc = False
            if isinstance(m, ScaleDropout):
                m.z = None
            else:
                m.mask = None
        for b in binarized:
            b.freeze(weights)
        with torch.no_grad():
            out = model(example_input)
        for m in stoch:
            m.exporting = True
        opsets: Dict[str, int] = {}
        if any(isinstance(m, ScaleDropout) for m in stoch):
            opsets[SD_DOMAIN] = 1
        if any(isinstance(m, SignActivation) and m.export_as == "BipolarQuant" or isinstance(m, QuantActivation)
               for m in model.modules()):
            opsets[QONNX_DOMAIN] = 1
        for m in model.modules():
            if isinstance(m, QuantActivation) and not float(m.scale) > 0:
                raise ValueError("export: a QuantActivation's scale must be positive, got %g" % float(m.scale))
        with warnings.catch_warnings():
            _quiet_custom_op_warnings()
            torch.onnx.export(
                model,
                example_input,
                os.fspath(path),
                input_names=[input_name],
                output_names=[output_name],
                dynamic_axes={input_name: {0: "N"}, output_name: {0: "N"}},
                opset_version=opset,
                do_constant_folding=False,
                custom_opsets=opsets,
                # PRESERVE, not EVAL (the model is in eval mode either way): EVAL runs torch's eval peephole,
                # which folds a BatchNormalization into the Conv before it, and would turn a BinaryConv2d - BN
                # into one real-valued Conv
                training=torch.onnx.TrainingMode.PRESERVE,
            )
    finally:
        for m in stoch:
            m.exporting = False
        for b in binarized:
            b.unfreeze()
        for m, mc, z, mask in saved:
            m.mc = mc
            if isinstance(m, ScaleDropout):
                m.z = z
            else:
                m.mask = mask
        model.train(was_training)
    return tidy_onnx(
        path,
        output_shape=list(out.shape[1:]),
        producer_name=producer_name,
        producer_version=producer_version,
        doc_string=doc_string,
    )


def _quiet_custom_op_warnings() -> None:
    """Silence two torch 1.13 messages that say nothing about the user's model.

    Every custom op symbolic here sets its output type (setType, the shape
    hint torch asks for), but torch 1.13's graph-level shape inference warns
    "The shape inference of <domain>::<op> type is missing" for any op outside
    the onnx domain regardless, and warns that g.op on a torch.Graph is
    deprecated. Only these exact messages, for our two domains, are ignored.
    """
    domains = "|".join(re.escape(d) for d in (SD_DOMAIN, QONNX_DOMAIN))
    warnings.filterwarnings("ignore", message=r"The shape inference of (%s)::" % domains)
    warnings.filterwarnings("ignore", message=r"'torch\.onnx\._patch_torch\._graph_op' is deprecated")
    # nn.Upsample's export builds its scales from prim::Constant nodes, which the same inference does not know
    warnings.filterwarnings("ignore", message=r"The shape inference of prim::Constant type is missing")


def tidy_onnx(
    path: PathLike,
    output_shape: Optional[Sequence[int]] = None,
    producer_name: str = "bnncim python package",
    producer_version: str = "1",
    doc_string: str = "",
) -> onnx.ModelProto:
    """Normalise an exported file in place, then run onnx.checker.

    Constant nodes become raw_data initializers, and so does an Unsqueeze or a
    Concat of initializers (PReLU's slope, Upsample's Resize scales); Identity nodes that torch
    emits for de-duplicated equal buffers are resolved (the reference form
    that ``bnncim verify`` feeds to ONNX Runtime does not accept an
    initializer reached through Identity); unused initializers go; nodes get
    stable names (op_k); the output gets dim 0 "N" and the concrete trailing
    dims, which torch leaves symbolic after a custom op.
    """
    m = onnx.load(os.fspath(path))
    g = m.graph
    keep: List[onnx.NodeProto] = []
    for node in g.node:
        if node.op_type == "Constant" and len(node.attribute) == 1 and node.attribute[0].name == "value":
            arr = numpy_helper.to_array(node.attribute[0].t)
            g.initializer.append(numpy_helper.from_array(arr, node.output[0]))
        else:
            keep.append(node)
    # Unsqueeze of an initializer (torch writes PReLU's slope [C] as Unsqueeze(slope, [1, 2]) for NCHW):
    # folded into one initializer of the unsqueezed shape, so that PRelu reads a constant directly.
    consts = {t.name: t for t in g.initializer}
    folded: List[onnx.NodeProto] = []
    for node in keep:
        if (node.op_type == "Unsqueeze" and len(node.input) == 2 and node.input[0] in consts
                and node.input[1] in consts):
            arr = numpy_helper.to_array(consts[node.input[0]])
            for ax in sorted(int(a) for a in numpy_helper.to_array(consts[node.input[1]]).reshape(-1)):
                arr = np.expand_dims(arr, ax if ax >= 0 else arr.ndim + 1 + ax)
            t = numpy_helper.from_array(arr, node.output[0])
            g.initializer.append(t)
            consts[t.name] = t
        elif node.op_type == "Concat" and len(node.input) > 0 and all(i in consts for i in node.input):
            # torch writes nn.Upsample's Resize scales as Concat([1, 1], [s, s]) of two constants: one
            # initializer, so that Resize reads its scales directly (as for PRelu's slope above)
            ax = [a.i for a in node.attribute if a.name == "axis"][0]
            arr = np.concatenate([numpy_helper.to_array(consts[i]) for i in node.input], axis=ax)
            t = numpy_helper.from_array(arr, node.output[0])
            g.initializer.append(t)
            consts[t.name] = t
        else:
            folded.append(node)
    keep = folded
    outputs = set(o.name for o in g.output)
    alias: Dict[str, str] = {}
    nodes: List[onnx.NodeProto] = []
    for node in keep:
        if node.op_type == "Identity" and node.output[0] not in outputs:
            alias[node.output[0]] = alias.get(node.input[0], node.input[0])
        else:
            nodes.append(node)
    for node in nodes:
        for k, name_in in enumerate(node.input):
            if name_in in alias:
                node.input[k] = alias[name_in]
    del g.node[:]
    g.node.extend(nodes)
    used = set(i for n in g.node for i in n.input) | outputs
    inits = [numpy_helper.from_array(numpy_helper.to_array(t), t.name) for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(inits)
    counts: Dict[str, int] = {}
    for node in g.node:
        k = counts.get(node.op_type, 0)
        counts[node.op_type] = k + 1
        node.name = "%s_%d" % (node.op_type, k)
    if output_shape is not None:
        out_dims = g.output[0].type.tensor_type.shape.dim
        while len(out_dims) < 1 + len(output_shape):
            out_dims.add()
        out_dims[0].Clear()
        out_dims[0].dim_param = "N"
        for i, d in enumerate(output_shape):
            out_dims[i + 1].Clear()
            out_dims[i + 1].dim_value = int(d)
    m.producer_name = producer_name
    m.producer_version = producer_version
    m.doc_string = doc_string
    onnx.checker.check_model(m)
    onnx.save(m, os.fspath(path))
    return m


def binary_weight_names(model_proto: onnx.ModelProto) -> List[str]:
    """Initializers feeding MatMul/Gemm/Conv as weights that are all {-1,+1} (for tests and checks)."""
    inits = {t.name: numpy_helper.to_array(t) for t in model_proto.graph.initializer}
    names = []
    for node in model_proto.graph.node:
        if node.op_type in ("MatMul", "Gemm", "Conv") and node.input[1] in inits:
            if np.all(np.abs(inits[node.input[1]]) == 1.0):
                names.append(node.input[1])
    return names
