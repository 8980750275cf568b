#!/usr/bin/env python3
"""Trunk post_build hook: writes the precache list and a content-hash cache name into sw.js.

Trunk runs it with TRUNK_STAGING_DIR set to the finished build (before it replaces dist/).
Every file in the build is precached (the app shell, the hashed app wasm/js/css, the worker's
unhashed files, the manifest and the icons), except the service worker itself. The cache name
is a hash of all those files, so any change makes a new service worker version that installs,
takes over and deletes the old cache.
"""

import hashlib
import json
import os
import re
import sys
from pathlib import Path


def main() -> int:
    staging = Path(os.environ.get("TRUNK_STAGING_DIR") or (sys.argv[1] if len(sys.argv) > 1 else "dist"))
    sw = staging / "sw.js"
    if not sw.is_file():
        print(f"precache.py: {sw} not found", file=sys.stderr)
        return 1
    files = sorted(
        p.relative_to(staging).as_posix()
        for p in staging.rglob("*")
        if p.is_file() and p.name != "sw.js"
    )
    digest = hashlib.sha256()
    for name in files:
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update((staging / name).read_bytes())
        digest.update(b"\0")
    cache = "mpp2xml-" + digest.hexdigest()[:16]
    precache = ["./"] + files
    text = sw.read_text(encoding="utf-8")
    text, n1 = re.subn(r'^const CACHE = .*;$', f"const CACHE = {json.dumps(cache)};", text, count=1, flags=re.M)
    text, n2 = re.subn(r'^const PRECACHE = .*;$', f"const PRECACHE = {json.dumps(precache)};", text, count=1, flags=re.M)
    if n1 != 1 or n2 != 1:
        print("precache.py: the CACHE/PRECACHE lines were not found in sw.js", file=sys.stderr)
        return 1
    sw.write_text(text, encoding="utf-8")
    print(f"precache.py: {cache}, {len(precache)} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
