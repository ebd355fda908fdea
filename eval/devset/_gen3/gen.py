"""Regenerates eval/devset/3NN-*.json with the demo generator's helpers (emulator/demodata/_gen/lib.py).
Run: python3 eval/devset/_gen3/gen.py"""
import os
import sys
sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
os.environ["OUT"] = os.path.abspath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(ROOT, "emulator", "demodata", "_gen"))
sys.path.insert(0, HERE)
import labels3
sys.modules["labels"] = labels3  # lib.build() reads labels.EXPECTED
import importlib
for mod in ["b1", "b2", "b3", "b4", "b5", "b6"]:
    if os.path.exists(os.path.join(HERE, mod + ".py")):
        m = importlib.import_module(mod)
        for name in sorted(dir(m)):
            if name.startswith("inc3"):
                getattr(m, name)()
print("ok")
