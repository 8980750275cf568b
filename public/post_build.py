#!/usr/bin/env python3
"""Trunk post_build hook: moves Trunk's inline loader script to a file, then writes the
precache list and a content-hash cache name into sw.js.

Trunk runs it with TRUNK_STAGING_DIR set to the finished build (before it replaces dist/).

Trunk puts the app's loader in index.html as an inline `<script type="module">`; as a file of
its own (`init-<hash>.js`) it lets the server's Content-Security-Policy say `script-src 'self'`
with no inline script allowed.
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


INLINE_MODULE = re.compile(r'<script type="module">(.*?)</script>', re.S)


def externalize_loader(staging: Path) -> None:
    index = staging / "index.html"
    html = index.read_text(encoding="utf-8")
    scripts = INLINE_MODULE.findall(html)
    if len(scripts) != 1:
        raise SystemExit(f"post_build.py: expected one inline module script in index.html, found {len(scripts)}")
    code = scripts[0].strip() + "\n"
    name = f"init-{hashlib.sha256(code.encode()).hexdigest()[:16]}.js"
    (staging / name).write_text(code, encoding="utf-8")
    html = INLINE_MODULE.sub(lambda _: f'<script type="module" src="/{name}"></script>', html, count=1)
    index.write_text(html, encoding="utf-8")
    print(f"post_build.py: loader moved to {name}")


def main() -> int:
    staging = Path(os.environ.get("TRUNK_STAGING_DIR") or (sys.argv[1] if len(sys.argv) > 1 else "dist"))
    externalize_loader(staging)
    sw = staging / "sw.js"
    if not sw.is_file():
        print(f"post_build.py: {sw} not found", file=sys.stderr)
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
        print("post_build.py: the CACHE/PRECACHE lines were not found in sw.js", file=sys.stderr)
        return 1
    sw.write_text(text, encoding="utf-8")
    print(f"post_build.py: {cache}, {len(precache)} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
