"""Regenerates eval/devset/2NN-*.json: labelled incidents reconstructed from
public intrusion write-ups and documented false-positive patterns, built with
the demo generator's helpers (emulator/demodata/_gen/lib.py) and written with
their expert labels as the top-level "expected".
Run: python3 eval/devset/_gen/gen_2xx.py
"""
import glob
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common_2xx  # noqa: E402  (sets OUT before lib is imported)

for f in glob.glob(os.path.join(os.environ["OUT"], "2[0-9][0-9]-*.json")):
    os.remove(f)

import identity_2xx  # noqa: E402
import endpoint_2xx  # noqa: E402
import benign_2xx  # noqa: E402

for fn in identity_2xx.ALL + endpoint_2xx.ALL + benign_2xx.ALL:
    fn()
    common_2xx.flush()
print("ok")
