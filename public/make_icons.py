#!/usr/bin/env python3
"""Draws the app's icons (public/icons/icon-192.png, icon-512.png) with nothing but zlib.

The icon: a rounded blue square with three white Gantt bars, the middle one with a green
completed part. Run from anywhere: `python3 public/make_icons.py`; the PNGs are committed.
"""

import struct
import zlib
from pathlib import Path

BLUE = (29, 79, 124)
WHITE = (255, 255, 255)
GREEN = (92, 184, 122)


def inside_rounded(x: float, y: float, size: int, radius: float) -> bool:
    cx = min(max(x, radius), size - radius)
    cy = min(max(y, radius), size - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


def pixel(x: int, y: int, size: int) -> tuple:
    u, v = (x + 0.5) / size, (y + 0.5) / size
    if not inside_rounded(x + 0.5, y + 0.5, size, size * 0.18):
        return (0, 0, 0, 0)
    # Bars: (top, left, right) in units of the icon size, each 0.12 tall.
    bars = [(0.22, 0.18, 0.58), (0.44, 0.34, 0.82), (0.66, 0.26, 0.66)]
    for i, (top, left, right) in enumerate(bars):
        if top <= v < top + 0.12 and left <= u < right:
            if i == 1 and u < left + (right - left) * 0.55:
                return GREEN + (255,)
            return WHITE + (255,)
    return BLUE + (255,)


def png(size: int) -> bytes:
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # filter: none
        for x in range(size):
            rows.extend(pixel(x, y, size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    out = Path(__file__).resolve().parent / "icons"
    out.mkdir(exist_ok=True)
    for size in (192, 512):
        (out / f"icon-{size}.png").write_bytes(png(size))
        print(f"wrote {out / f'icon-{size}.png'}")


if __name__ == "__main__":
    main()
