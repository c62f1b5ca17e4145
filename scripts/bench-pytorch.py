#!/usr/bin/python3
"""Train the same model as `crrm train` in float32 PyTorch, for comparison.

The model, initialization, optimizer, schedule and batch match crrm's
defaults (784 -> rank 32 -> 256 -> ReLU -> rank 8 -> 10, Adam with lr
0.002 and cosine decay, batch 128), without the MI term (beta 0) and in
float32 instead of int16 codes. Prints ms per step, seconds per epoch and
the test accuracy after each epoch.

Usage: scripts/bench-pytorch.py [--epochs N] [--threads N] [--dense]
Needs Debian's python3-torch (scripts/bench-pytorch.sh installs it).
"""
import argparse
import gzip
import math
import struct
import time

import numpy as np
import torch
from torch import nn

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        magic = struct.unpack(">I", f.read(4))[0]
        dims = struct.unpack(">" + "I" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


class LowRank(nn.Module):
    """W = U V with V: rank x in (no bias) and U: out x rank (with bias)."""

    def __init__(self, n_in, rank, n_out):
        super().__init__()
        self.v = nn.Linear(n_in, rank, bias=False)
        self.u = nn.Linear(rank, n_out)
        nn.init.normal_(self.v.weight, std=1.0 / math.sqrt(n_in))
        nn.init.normal_(self.u.weight, std=math.sqrt(2.0 / rank))
        nn.init.zeros_(self.u.bias)

    def forward(self, x):
        return self.u(self.v(x))


def dense(n_in, n_out):
    layer = nn.Linear(n_in, n_out)
    nn.init.normal_(layer.weight, std=math.sqrt(2.0 / n_in))
    nn.init.zeros_(layer.bias)
    return layer


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dense", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)

    # Pixels p become p / 256, as crrm's input codes do.
    x_train = torch.tensor(read_idx(f"{DATA}/train-images-idx3-ubyte.gz"),
                           dtype=torch.float32).reshape(-1, 784) / 256
    y_train = torch.tensor(read_idx(f"{DATA}/train-labels-idx1-ubyte.gz"),
                           dtype=torch.long)
    x_test = torch.tensor(read_idx(f"{DATA}/t10k-images-idx3-ubyte.gz"),
                          dtype=torch.float32).reshape(-1, 784) / 256
    y_test = torch.tensor(read_idx(f"{DATA}/t10k-labels-idx1-ubyte.gz"),
                          dtype=torch.long)

    if args.dense:
        model = nn.Sequential(dense(784, 256), nn.ReLU(), dense(256, 10))
    else:
        model = nn.Sequential(LowRank(784, 32, 256), nn.ReLU(),
                              LowRank(256, 8, 10))
    batch = 128
    steps_per_epoch = math.ceil(len(x_train) / batch)
    total = steps_per_epoch * args.epochs
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 0.5 * (1 + math.cos(math.pi * s / total)))
    loss_fn = nn.CrossEntropyLoss()

    params = sum(p.numel() for p in model.parameters())
    print(f"pytorch {torch.__version__}, {args.threads} threads, "
          f"{'dense' if args.dense else 'low-rank'} model, {params} parameters")
    step_time = 0.0
    for epoch in range(args.epochs):
        start = time.perf_counter()
        order = torch.randperm(len(x_train))
        for b in range(steps_per_epoch):
            idx = order[b * batch:(b + 1) * batch]
            t0 = time.perf_counter()
            opt.zero_grad()
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
            sched.step()
            step_time += time.perf_counter() - t0
        with torch.no_grad():
            acc = (model(x_test).argmax(1) == y_test).float().mean().item()
        print(f"epoch {epoch + 1}/{args.epochs}  test acc {100 * acc:.2f}%  "
              f"{time.perf_counter() - start:.2f} s")
    print(f"{1e3 * step_time / total:.3f} ms per step")


if __name__ == "__main__":
    main()
