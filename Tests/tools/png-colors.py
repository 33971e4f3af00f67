#!/usr/bin/env python3
"""Counts the pixels of given colours in a PNG screenshot: png-colors.py FILE '#3366cc' '#8e44ad' ...

Only the standard library (zlib, struct): 8-bit RGB or RGBA, non-interlaced, as Chromium writes them.
Prints one line per colour: the colour and its pixel count."""
import struct
import sys
import zlib


def pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG file")
    position, idat = 8, b""
    width = height = bpp = None
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind = data[position + 4:position + 8]
        chunk = data[position + 8:position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            width, height, depth, color_type, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            if depth != 8 or color_type not in (2, 6) or interlace:
                raise SystemExit(f"{path}: unsupported PNG (depth {depth}, colour type {color_type})")
            bpp = 3 if color_type == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
    raw = zlib.decompress(idat)
    stride = width * bpp
    previous = bytearray(stride)
    offset = 0
    for _ in range(height):
        kind = raw[offset]
        line = bytearray(raw[offset + 1:offset + 1 + stride])
        offset += 1 + stride
        if kind == 1:
            for x in range(bpp, stride):
                line[x] = (line[x] + line[x - bpp]) & 255
        elif kind == 2:
            for x in range(stride):
                line[x] = (line[x] + previous[x]) & 255
        elif kind == 3:
            for x in range(stride):
                left = line[x - bpp] if x >= bpp else 0
                line[x] = (line[x] + ((left + previous[x]) >> 1)) & 255
        elif kind == 4:
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = previous[x]
                c = previous[x - bpp] if x >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else (b if pb <= pc else c))) & 255
        yield line, bpp
        previous = line


def main():
    path, colours = sys.argv[1], sys.argv[2:]
    wanted = {bytes(int(c[i:i + 2], 16) for i in (1, 3, 5)): c for c in colours}
    counts = {c: 0 for c in colours}
    for line, bpp in pixels(path):
        for x in range(0, len(line), bpp):
            colour = wanted.get(bytes(line[x:x + 3]))
            if colour:
                counts[colour] += 1
    for colour in colours:
        print(colour, counts[colour])


main()
