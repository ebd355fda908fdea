"""Regenerates emulator/demodata/NNN-*.json (see lib.py)."""
import glob, os, sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(__file__))
import lib
for f in glob.glob(os.path.join(lib.OUT, "[0-9][0-9][0-9]-*.json")):
    os.remove(f)
from inc1 import inc101, inc102, inc103
from inc2 import inc104, inc105, inc106, inc107, inc108
from inc3 import inc109, inc110, inc111, inc112, inc113, inc114, inc115, inc116
for fn in [inc101, inc102, inc103, inc104, inc105, inc106, inc107, inc108, inc109, inc110, inc111, inc112, inc113, inc114, inc115, inc116]:
    fn()
print("ok")
