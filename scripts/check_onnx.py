#!/usr/bin/env python3
"""Checks exported models as ONNX's own tools do: the full checker and strict shape inference.

usage: python3 scripts/check_onnx.py MODEL.onnx ...   (exit 1 and a line per failure)
"""
import sys

import onnx
from onnx import checker, shape_inference

failed = 0
for path in sys.argv[1:]:
    try:
        model = onnx.load(path)
        checker.check_model(model, full_check=True)
        shape_inference.infer_shapes(model, check_type=True, strict_mode=True, data_prop=True)
        print(f"ok {path} (IR {model.ir_version}, opset {model.opset_import[0].version})")
    except Exception as e:  # report every file, not just the first
        failed += 1
        print(f"FAIL {path}: {e}")
sys.exit(1 if failed else 0)
