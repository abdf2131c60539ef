"""The QR code on sealed documents, as a module matrix both renderers draw from.

The ``qrcode`` package chooses the version and encodes the codewords (segments, error
correction); placing them and choosing the mask is done here, the same way and with the
same penalty rules as ``qrcode``'s ``QRCode.make`` (so the same matrix), but on rows
held as integers: trying the eight masks on nested lists of booleans was most of a
sealed document's render time. The PDF draws the matrix as one vector path and Word
gets a PNG of the same matrix.
"""

from __future__ import annotations

import io
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress

import qrcode
from qrcode import base as qr_base
from qrcode import util as qr_util
from qrcode.constants import ERROR_CORRECT_M

QUIET_ZONE = 2
"""Modules of white border; scanners want some, the page around it adds more."""

_ERROR_CORRECTION = ERROR_CORRECT_M


@lru_cache(maxsize=64)
def qr_matrix(payload: str) -> tuple[tuple[bool, ...], ...]:
    """Dark (True) and light modules, quiet zone included, row 0 at the top."""
    code = qrcode.QRCode(error_correction=_ERROR_CORRECTION, border=QUIET_ZONE)
    code.add_data(payload)  # qrcode's segments (byte, alphanumeric, numeric runs)
    version, bits = _fit(code.data_list)
    grid = _grid(version)
    data = grid.scatter(codewords(version, bits))
    mask = min(range(8), key=lambda m: grid.penalty(data ^ grid.masks[m]))
    symbol = grid.function_final[mask] | (data ^ grid.masks[mask])
    size = grid.size
    light = (False,) * (size + 2 * QUIET_ZONE)
    border = (False,) * QUIET_ZONE
    return (
        (light,) * QUIET_ZONE
        + tuple(border + row + border for row in grid.rows(symbol))
        + (light,) * QUIET_ZONE
    )


def qr_png(payload: str, *, module_px: int = 8) -> bytes:
    """A black-on-white PNG of the QR code."""
    from PIL import Image

    matrix = qr_matrix(payload)
    size = len(matrix)
    image = Image.new("1", (size, size), 1)
    image.putdata([0 if dark else 1 for row in matrix for dark in row])
    image = image.resize((size * module_px, size * module_px), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def dark_runs(matrix: tuple[tuple[bool, ...], ...]) -> list[tuple[int, int, int]]:
    """Horizontal runs of dark modules as ``(row, first column, length)``."""
    runs = []
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                runs.append((r, start, c - start))
            else:
                c += 1
    return runs


# ---------------------------------------------------------------- codewords


class _Bits:
    """qrcode's ``BitBuffer`` (what its segments write to), on one int."""

    def __init__(self) -> None:
        self.value = 0
        self.length = 0

    def put(self, num: int, length: int) -> None:
        self.value = (self.value << length) | (num & ((1 << length) - 1))
        self.length += length

    def __len__(self) -> int:
        return self.length


def _segment_bits(version: int, segments: list[qr_util.QRData]) -> _Bits:
    bits = _Bits()
    for segment in segments:
        bits.put(segment.mode, 4)
        bits.put(len(segment), qr_util.length_in_bits(segment.mode, version))
        segment.write(bits)
    return bits


def _fit(segments: list[qr_util.QRData]) -> tuple[int, _Bits]:
    """The smallest version that holds the segments, and their bits at it: qrcode's
    ``best_fit`` (the length fields grow at versions 10 and 27)."""
    version = 1
    while True:
        bits = _segment_bits(version, segments)
        fitting = bisect_left(qr_util.BIT_LIMIT_TABLE[_ERROR_CORRECTION], len(bits), version)
        if fitting == 41:
            raise qrcode.exceptions.DataOverflowError()
        if qr_util.mode_sizes_for_version(fitting) is qr_util.mode_sizes_for_version(version):
            return fitting, bits
        version = fitting


def codewords(version: int, bits: _Bits) -> list[int]:
    """Data and error correction codewords, interleaved: qrcode's ``create_data``."""
    blocks = qr_base.rs_blocks(version, _ERROR_CORRECTION)
    capacity = sum(block.data_count for block in blocks) * 8
    if bits.length > capacity:  # best_fit chose the version: cannot happen
        raise qrcode.exceptions.DataOverflowError(f"{bits.length} > {capacity} bits")
    bits.put(0, min(capacity - bits.length, 4))  # terminator
    bits.put(0, -bits.length % 8)
    pad = (capacity - bits.length) // 8
    stream = bits.value.to_bytes(bits.length // 8, "big") + bytes(
        (qr_util.PAD0, qr_util.PAD1)[i % 2] for i in range(pad)
    )
    data_blocks: list[bytes] = []
    ec_blocks: list[list[int]] = []
    offset = 0
    for block in blocks:
        data = stream[offset : offset + block.data_count]
        offset += block.data_count
        data_blocks.append(data)
        ec_blocks.append(_remainder(data, block.total_count - block.data_count))
    out: list[int] = []
    for column in range(max(len(b) for b in data_blocks)):
        out.extend(b[column] for b in data_blocks if column < len(b))
    for column in range(max(len(b) for b in ec_blocks)):
        out.extend(b[column] for b in ec_blocks if column < len(b))
    return out


@lru_cache(maxsize=32)
def _generator_logs(ec_count: int) -> tuple[int, ...]:
    """The Reed-Solomon generator polynomial (x - a^0)...(x - a^(ec_count - 1)) in
    GF(256), as the logarithms of its coefficients after the leading 1."""
    exp, log = qr_base.EXP_TABLE, qr_base.LOG_TABLE
    generator = [1]
    for i in range(ec_count):
        product = [*generator, 0]
        for j, coefficient in enumerate(generator):
            if coefficient:
                product[j + 1] ^= exp[(log[coefficient] + i) % 255]
        generator = product
    return tuple(log[c] for c in generator[1:])


def _remainder(data: bytes, ec_count: int) -> list[int]:
    """The error correction codewords of one block (the remainder of the division)."""
    generator = _generator_logs(ec_count)
    exp, log = qr_base.EXP_TABLE, qr_base.LOG_TABLE
    remainder = [0] * ec_count
    for byte in data:
        factor = byte ^ remainder[0]
        del remainder[0]
        remainder.append(0)
        if factor:
            factor_log = log[factor]
            for i, g in enumerate(generator):
                remainder[i] ^= exp[(g + factor_log) % 255]
    return remainder


# ---------------------------------------------------------------- placement and masks
# The symbol is one int of 2 x size lanes, each a line of modules: lane r is row r, lane
# size + c is column c, the first lane highest, and in each lane module 0 highest. So
# ``x << s`` holds, at a module, the module s further along the same line, ``x << lane``
# the same module of the next lane, and the mask penalties are a few operations on
# that int, rows and columns at once. The gap between lanes keeps a shift by up to 10
# modules (the finder-like pattern is 11 long) from reaching the next line.

_LANE_GAP = 12
_BIT_BYTES = bytes.maketrans(b"01", b"\x00\x01")


@dataclass(frozen=True)
class _Grid:
    """What does not depend on the payload, for one version: the function patterns
    (with and without format information), where the data bits go, and each mask."""

    size: int
    lane: int
    """Bits per lane: the modules and the gap."""
    positions: tuple[int, ...]
    """For each data bit in placement order (the zigzag from the lower right), its
    module's two bits (in its row lane and its column lane)."""
    function_test: int
    """Finder, timing and alignment patterns; format and version areas left light, as
    qrcode scores the masks."""
    function_final: tuple[int, ...]
    """The same with the format (and version) information of each mask."""
    masks: tuple[int, ...]
    """For each mask, its dark modules among the data modules."""
    starts: tuple[int, ...]
    """``starts[k]``: the modules where a window of k modules fits in its line."""
    row_lanes: int
    """Every module of the row lanes (each module once)."""
    block_corners: int
    """The upper left modules of the 2x2 blocks, in the row lanes."""

    def scatter(self, words: list[int]) -> int:
        """The data bits on their modules (unmasked); modules left over stay light."""
        dark = "".join(map("{:08b}".format, words)).encode().translate(_BIT_BYTES)
        return sum(compress(self.positions, dark))  # one bit pair each: sum is OR

    def penalty(self, data: int) -> int:
        """qrcode's ``util.lost_point`` of the symbol with these (masked) data bits:
        ISO/IEC 18004 7.8.3's runs of five or more modules of one colour, 2x2 blocks,
        the finder-like 1:1:3:1:1 pattern beside four light modules, the dark share."""
        starts = self.starts
        x = self.function_test | data
        light = ~x & starts[1]
        same = ~(x ^ (x << 1)) & starts[2]
        # A run of L >= 5 modules scores L - 2: its L - 4 windows of five, plus 2.
        uniform5 = same & (same << 1) & (same << 2) & (same << 3) & starts[5]
        runs = uniform5.bit_count() + 2 * (uniform5 & ~(uniform5 >> 1)).bit_count()
        same_below = ~(x ^ (x << self.lane))
        blocks = (same_below & (same_below << 1) & same & self.block_corners).bit_count()
        core = x & (light << 1) & (x << 2) & (x << 3) & (x << 4) & (light << 5) & (x << 6)
        four_light = light & (light << 1) & (light << 2) & (light << 3)
        finder_like = (core & (four_light << 7) & starts[11]).bit_count() + (
            four_light & (core << 4) & starts[11]
        ).bit_count()
        dark_share = float((x & self.row_lanes).bit_count()) / (self.size**2)
        balance = int(abs(dark_share * 100 - 50) / 5) * 10
        return runs + 3 * blocks + 40 * finder_like + balance

    def rows(self, symbol: int) -> list[tuple[bool, ...]]:
        """The rows of a symbol int, as booleans."""
        size, lane = self.size, self.lane
        line = (1 << size) - 1
        return [
            tuple(map("1".__eq__, format((symbol >> ((2 * size - 1 - r) * lane)) & line,
                                         f"0{size}b")))
            for r in range(size)
        ]


class _Frame(qrcode.QRCode):  # type: ignore[misc]
    """qrcode's own function patterns and format information; data modules left None."""

    def map_data(self, data: list[int], mask_pattern: int) -> None:
        pass


@lru_cache(maxsize=8)
def _grid(version: int) -> _Grid:
    def frame(test: bool, mask: int) -> list[list[bool | None]]:
        code = _Frame(version=version, error_correction=_ERROR_CORRECTION)
        code.data_cache = []  # not None: makeImpl encodes nothing
        code.makeImpl(test, mask)
        return code.modules

    blank = frame(True, 0)
    size = len(blank)
    lane = size + _LANE_GAP
    lanes = 2 * size

    def bit(lane_index: int, module: int) -> int:
        return 1 << ((lanes - 1 - lane_index) * lane + size - 1 - module)

    def module_bits(r: int, c: int) -> int:
        return bit(r, c) | bit(size + c, r)

    def symbol(dark: list[tuple[int, int]]) -> int:
        value = 0
        for r, c in dark:
            value |= module_bits(r, c)
        return value

    def function_int(modules: list[list[bool | None]]) -> int:
        return symbol([(r, c) for r in range(size) for c in range(size) if modules[r][c]])

    order = _placement_order(blank)
    masks = []
    for mask in range(8):
        dark = qr_util.mask_func(mask)
        masks.append(symbol([(r, c) for r, c in order if dark(r, c)]))

    def windows(k: int, lane_indices: range) -> int:
        # Modules 0 to size - k of a lane are its size - k + 1 highest bits.
        in_lane = ((1 << (size - k + 1)) - 1) << (k - 1)
        return sum(in_lane << ((lanes - 1 - i) * lane) for i in lane_indices)

    return _Grid(
        size=size,
        lane=lane,
        positions=tuple(module_bits(r, c) for r, c in order),
        function_test=function_int(blank),
        function_final=tuple(function_int(frame(False, mask)) for mask in range(8)),
        masks=tuple(masks),
        starts=(0, *(windows(k, range(lanes)) for k in range(1, 12))),
        row_lanes=windows(1, range(size)),
        block_corners=windows(2, range(size - 1)),
    )


def _placement_order(modules: list[list[bool | None]]) -> list[tuple[int, int]]:
    """The free modules in the order qrcode's ``map_data`` fills them."""
    size = len(modules)
    order = []
    step = -1
    row = size - 1
    for col in range(size - 1, 0, -2):
        if col <= 6:
            col -= 1  # the vertical timing pattern is skipped
        while True:
            for c in (col, col - 1):
                if modules[row][c] is None:
                    order.append((row, c))
            row += step
            if row < 0 or row >= size:
                row -= step
                step = -step
                break
    return order
