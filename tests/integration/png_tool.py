#!/usr/bin/env python3
"""PNG without libraries, for the page tests: read the pixels of a screenshot, look at its
colours, and cut a band out of it (the docs' screenshots of a part of the page).

  png_tool.py crop IN.png OUT.png TOP HEIGHT   rows TOP .. TOP+HEIGHT-1 of IN as OUT
  png_tool.py find IN.png RRGGBB               the first row holding that colour (or -1)
  png_tool.py last-ink IN.png                  the last row that is not all white
"""
import struct
import sys
import zlib


def read(path):
    """(width, height, bytes per pixel, [rows of raw pixel bytes]) of an 8-bit RGB(A) PNG."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + n]
        assert zlib.crc32(kind + chunk) == struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0], "bad CRC"
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + n
    width, height, depth, colour = ihdr[:4]
    assert depth == 8 and colour in (2, 6), (depth, colour)
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = 1 + width * bpp
    prev = bytearray(stride - 1)
    rows = []
    for y in range(height):
        f, line = raw[y * stride], bytearray(raw[y * stride + 1:(y + 1) * stride])
        if f == 1:
            for i in range(bpp, len(line)):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f == 3:
            for i in range(len(line)):
                line[i] = (line[i] + ((line[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 255
        elif f == 4:
            for i in range(len(line)):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def write(path, width, bpp, rows):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    raw = b"".join(b"\x00" + r for r in rows)
    ihdr = struct.pack(">IIBBBBB", width, len(rows), 8, 2 if bpp == 3 else 6, 0, 0, 0)
    open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) +
                           chunk(b"IEND", b""))


def find(rows, bpp, rgb):
    for y, row in enumerate(rows):
        for i in range(0, len(row), bpp):
            if row[i:i + 3] == rgb:
                return y
    return -1


if __name__ == "__main__":
    command = sys.argv[1]
    width, height, bpp, rows = read(sys.argv[2])
    if command == "crop":
        top, size = int(sys.argv[4]), int(sys.argv[5])
        write(sys.argv[3], width, bpp, rows[max(0, top):min(height, top + size)])
    elif command == "last-ink":
        white = b"\xff" * bpp
        print(max((y for y, row in enumerate(rows) if row != white * width), default=-1))
    elif command == "find":
        print(find(rows, bpp, bytes.fromhex(sys.argv[3])))
    else:
        sys.exit(f"unknown command {command}")
