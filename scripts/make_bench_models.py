#!/usr/bin/env python3
"""Generates the benchmark's conv nets: MobileNetV2- and ResNet-50-shaped networks with random
(He-initialised) f32 weights and a fixed seed, as OpenVINO IR in OVMS's repository layout:

    target/bench_models/mobilenet/1/model.{xml,bin}   input "input" f32[1,3,224,224] -> "output" f32[1,1000]
    target/bench_models/resnet50/1/model.{xml,bin}    same interface

They are large (14 MB and 102 MB of weights), so they are made on demand and never committed.
A model whose files already exist is kept (use --force to remake it).

    .venv/bin/python scripts/make_bench_models.py [--out DIR] [--force] [mobilenet] [resnet50]
"""

import argparse
import os
import sys
import time

import numpy as np
import openvino as ov
import openvino.opset13 as ops

SEED = 20260401


class Builder:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def weights(self, shape, fan_in):
        return (self.rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)

    def conv(self, x, cin, cout, k, stride=1, groups=1, act="relu"):
        pad = k // 2
        if groups == 1:
            w = self.weights((cout, cin, k, k), cin * k * k)
            y = ops.convolution(x, ops.constant(w), [stride, stride], [pad, pad], [pad, pad], [1, 1])
        else:
            w = self.weights((groups, cout // groups, cin // groups, k, k), (cin // groups) * k * k)
            y = ops.group_convolution(x, ops.constant(w), [stride, stride], [pad, pad], [pad, pad], [1, 1])
        # Batch norm folded into a per-channel bias.
        y = ops.add(y, ops.constant((self.rng.standard_normal((1, cout, 1, 1)) * 0.01).astype(np.float32)))
        if act == "relu6":
            return ops.clamp(y, 0.0, 6.0)
        if act == "relu":
            return ops.relu(y)
        return y

    def head(self, x, cin, classes=1000):
        x = ops.reduce_mean(x, ops.constant(np.array([2, 3], np.int64)), keep_dims=False)
        w = (self.rng.standard_normal((cin, classes)) * np.sqrt(1.0 / cin)).astype(np.float32)
        x = ops.matmul(x, ops.constant(w), False, False)
        x = ops.add(x, ops.constant((self.rng.standard_normal((1, classes)) * 0.01).astype(np.float32)))
        return ops.softmax(x, 1)


def named(node, name):
    node.output(0).get_tensor().set_names({name})
    node.set_friendly_name(name)
    return node


def mobilenet_v2():
    b = Builder(SEED)
    inp = named(ops.parameter([1, 3, 224, 224], np.float32, name="input"), "input")
    x = b.conv(inp, 3, 32, 3, 2, act="relu6")
    cin = 32
    # (expansion t, channels c, repeats n, stride s) of MobileNetV2.
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                       (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]:
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = cin * t
            y = b.conv(x, cin, hidden, 1, act="relu6") if t != 1 else x
            y = b.conv(y, hidden, hidden, 3, stride, groups=hidden, act="relu6")
            y = b.conv(y, hidden, c, 1, act=None)
            x = ops.add(x, y) if (stride == 1 and cin == c) else y
            cin = c
    x = b.conv(x, cin, 1280, 1, act="relu6")
    return ov.Model([named(b.head(x, 1280), "output")], [inp], "mobilenet_v2_random")


def resnet50():
    b = Builder(SEED + 1)
    inp = named(ops.parameter([1, 3, 224, 224], np.float32, name="input"), "input")
    x = b.conv(inp, 3, 64, 7, 2)
    x = ops.max_pool(x, [2, 2], [1, 1], [1, 1], [1, 1], [3, 3]).output(0)
    cin = 64
    for stage, (blocks, mid) in enumerate([(3, 64), (4, 128), (6, 256), (3, 512)]):
        for i in range(blocks):
            stride = 2 if (i == 0 and stage > 0) else 1
            cout = mid * 4
            y = b.conv(x, cin, mid, 1)
            y = b.conv(y, mid, mid, 3, stride)
            y = b.conv(y, mid, cout, 1, act=None)
            shortcut = b.conv(x, cin, cout, 1, stride, act=None) if i == 0 else x
            x = ops.relu(ops.add(y, shortcut))
            cin = cout
    return ov.Model([named(b.head(x, cin), "output")], [inp], "resnet50_random")


MODELS = {"mobilenet": mobilenet_v2, "resnet50": resnet50}


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="*", help="mobilenet, resnet50 (default: both)")
    parser.add_argument("--out", default=os.path.join(root, "target", "bench_models"))
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    unknown = [m for m in args.models if m not in MODELS]
    if unknown:
        parser.error(f"unknown model(s) {unknown}; choose from {list(MODELS)}")
    for name in args.models or list(MODELS):
        folder = os.path.join(args.out, name, "1")
        xml, binary = os.path.join(folder, "model.xml"), os.path.join(folder, "model.bin")
        if not args.force and os.path.isfile(xml) and os.path.isfile(binary):
            print(f"{name}: {xml} exists")
            continue
        os.makedirs(folder, exist_ok=True)
        start = time.time()
        tmp = os.path.join(folder, "tmp_model.xml")
        ov.save_model(MODELS[name](), tmp, compress_to_fp16=False)
        os.replace(tmp[:-4] + ".bin", binary)
        os.replace(tmp, xml)
        print(f"{name}: wrote {xml} ({os.path.getsize(binary) / 1e6:.1f} MB weights) in {time.time() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
