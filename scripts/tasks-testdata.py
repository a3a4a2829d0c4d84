#!/usr/bin/env python3
"""Writes testdata/tasks/tasks.csv and testdata/tasks/bench.csv, the same bytes every time.

tasks.csv: 36 tasks in 3 priorities, sleep and cpu, 10-120 ms, with every failure mode.
bench.csv: 200 sleep tasks of 20-200 ms in 3 priorities, none failing (the benchmark).
"""
import os
import random

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "tasks")
os.makedirs(here, exist_ok=True)

rnd = random.Random(25)
fails = ["transient:1", "transient:2", "transient:3", "permanent", "error"]
with open(os.path.join(here, "tasks.csv"), "w", newline="\n") as f:
    f.write("id,priority,kind,millis,fail\n")
    for i in range(1, 37):
        fail = fails[(i // 6) % len(fails)] if i % 6 == 0 else "none"
        kind = "cpu" if i % 5 == 0 else "sleep"
        f.write(f"{i},{rnd.randint(1, 3)},{kind},{rnd.randint(10, 120)},{fail}\n")

rnd = random.Random(200)
with open(os.path.join(here, "bench.csv"), "w", newline="\n") as f:
    f.write("id,priority,kind,millis,fail\n")
    for i in range(1, 201):
        f.write(f"{i},{rnd.randint(1, 3)},sleep,{rnd.randint(20, 200)},none\n")
