"""A stateful ESC/POS interpreter: bytes in (in any chunking), paper items and status
replies out.

Handles ESC @, ESC a, ESC E/G, ESC !, GS !, ESC -, ESC t (CP437, CP850, CP858, WPC1252,
CP866 and more), FS & / FS . (GB18030), GS ( k QR (store, print), GS v 0 raster images,
ESC d, LF, GS V cut (ends a job) and DLE EOT n (answered at once from the fault
switches). Other known commands are skipped with their correct lengths; unknown bytes
are recorded in ``unknown``, never fatal. A command split across reads waits for the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image

from hardware.sim.printer.faults import FaultState
from hardware.sim.printer.paper import (
    ALIGN_LEFT,
    Glyph,
    ImageItem,
    Item,
    QRItem,
    TextLine,
)

NUL, HT, LF, FF, CR, DLE, CAN, ESC, FS, GS = 0, 9, 10, 12, 13, 0x10, 0x18, 0x1B, 0x1C, 0x1D
EOT, ENQ, DC4 = 4, 5, 0x14

# ESC t n -> Python codec (Epson TM numbering; 16 is WPC1252, 19 PC858).
CODEPAGES: dict[int, str] = {
    0: "cp437", 2: "cp850", 3: "cp860", 4: "cp863", 5: "cp865", 16: "cp1252", 17: "cp866",
    18: "cp852", 19: "cp858", 39: "iso8859_2", 40: "iso8859_15", 45: "cp1250",
    46: "cp1251", 47: "cp1253", 48: "cp1254", 49: "cp1255", 50: "cp1256", 51: "cp1257",
}

# Commands with a fixed number of parameter bytes after the two-byte prefix.
_ESC_FIXED = {ord(c): n for c, n in {
    "a": 1, "E": 1, "G": 1, "-": 1, "!": 1, "M": 1, "{": 1, "V": 1, "3": 1, "2": 0,
    "J": 1, "d": 1, "e": 1, "t": 1, "R": 1, "r": 1, "U": 1, "p": 3, " ": 1, "$": 2,
    "\\": 2, "=": 1, "K": 1, "f": 2, "L": 0, "S": 0, "T": 1, "W": 8, "i": 0, "m": 0,
    "%": 1, "?": 1, "A": 1, "+": 1, "u": 1, "v": 0, "<": 0, "@": 0, "c": 2, "k": 1,
    "F": 1, "y": 1, "Z": 3, "O": 0, "n": 0, "B": 2}.items()}
_FS_FIXED = {ord(c): n for c, n in {
    "&": 0, ".": 0, "!": 1, "-": 1, "C": 1, "S": 2, "W": 1, "p": 2, "?": 2}.items()}
_GS_FIXED = {ord(c): n for c, n in {
    "!": 1, "B": 1, "H": 1, "h": 1, "w": 1, "f": 1, "b": 1, "|": 1, "a": 1, "L": 2,
    "W": 2, "P": 2, "$": 2, "\\": 2, "I": 1, "r": 1, "T": 1, "^": 3, ":": 0, "/": 1,
    "E": 1, "g": 2, "z": 1}.items()}
_GS_V_WITH_FEED = {65, 66, 97, 98, 103, 104}


@dataclass
class JobRecord:
    """One slip as it came off the printer."""

    items: list[Item] = field(default_factory=list)
    raw: bytearray = field(default_factory=bytearray)
    complete: bool = True


@dataclass
class _Style:
    align: int = ALIGN_LEFT
    bold: bool = False
    double_strike: bool = False
    underline: bool = False
    width: int = 1
    height: int = 1
    codepage: int = 0
    chinese: bool = False


class NeedMore(Exception):
    """The buffer ends inside a command."""


class EscposInterpreter:
    """Feed bytes with ``feed``; finished jobs go to ``on_job``."""

    def __init__(self, faults: FaultState, on_job: Callable[[JobRecord], None],
                 chars_per_line: int = 48) -> None:
        self.faults = faults
        self.on_job = on_job
        self.chars_per_line = chars_per_line
        self.unknown: list[bytes] = []
        self._buffer = bytearray()
        self._style = _Style()
        self._line = TextLine()
        self._job = JobRecord()
        self._qr_data = b""
        self._qr_module = 3
        self._qr_error = 48
        # How the current job ends once the command being interpreted is logged in it:
        # True complete, False incomplete, None it goes on; _discard: nothing printed.
        self._finish_request: bool | None = None
        self._discard = False

    # --- public ----------------------------------------------------------------------

    @property
    def job_bytes(self) -> int:
        """Bytes of the current job consumed so far (real-time status queries excluded)."""
        return len(self._job.raw)

    def feed(self, data: bytes) -> bytes:
        """Interpret ``data``; returns the bytes to send back (status replies)."""
        self._buffer += data
        replies = bytearray()
        while self._buffer:
            try:
                used, reply, realtime = self._step()
            except NeedMore:
                break
            if not realtime:
                self._job.raw += self._buffer[:used]
            del self._buffer[:used]
            replies += reply
            if self._finish_request is not None:
                job, self._job = self._job, JobRecord()
                job.complete, self._finish_request = self._finish_request, None
                self.on_job(job)
            elif self._discard:
                self._job, self._discard = JobRecord(), False
        return bytes(replies)

    def end_of_stream(self) -> None:
        """The link went away: what was printed of an unfinished job is a partial slip."""
        if self._job.items:
            self._job.complete = False
            self.on_job(self._job)
        self._job = JobRecord()
        self._buffer.clear()

    # --- parsing ---------------------------------------------------------------------

    def _need(self, count: int) -> None:
        if len(self._buffer) < count:
            raise NeedMore

    def _step(self) -> tuple[int, bytes, bool]:
        """Interpret one command or character at the start of the buffer:
        (bytes used, reply, real-time command?)."""
        b = self._buffer[0]
        if b == DLE:
            return self._dle()
        if b == ESC:
            return self._esc(), b"", False
        if b == FS:
            return self._fs(), b"", False
        if b == GS:
            return self._gs(), b"", False
        if b in (LF, FF):
            self._print_line()
            return 1, b"", False
        if b == HT:
            spaces = 8 - (self._line.columns % 8)
            for _ in range(spaces):
                self._add_glyph(" ", 1)
            return 1, b"", False
        if b in (CR, NUL, CAN):
            return 1, b"", False
        if b < 0x20 or b == 0x7F:
            self.unknown.append(bytes((b,)))
            return 1, b"", False
        return self._character(), b"", False

    def _character(self) -> int:
        b = self._buffer[0]
        if self._style.chinese and 0x81 <= b <= 0xFE:
            self._need(2)
            length = 4 if 0x30 <= self._buffer[1] <= 0x39 else 2
            self._need(length)
            self._add_glyph(bytes(self._buffer[:length]).decode("gb18030", "replace"), 2)
            return length
        if b < 0x80:
            self._add_glyph(chr(b), 1)
            return 1
        codec = CODEPAGES.get(self._style.codepage, "cp437")
        self._add_glyph(bytes((b,)).decode(codec, "replace"), 1)
        return 1

    def _dle(self) -> tuple[int, bytes, bool]:
        self._need(2)
        sub = self._buffer[1]
        if sub == EOT:
            self._need(3)
            return 3, self.faults.status_reply(self._buffer[2]), True
        if sub == ENQ:
            self._need(3)
            return 3, b"", True
        if sub == DC4:
            self._need(5)
            return 5, b"", True
        self.unknown.append(bytes(self._buffer[:2]))
        return 2, b"", False

    def _esc(self) -> int:
        self._need(2)
        cmd = self._buffer[1]
        if cmd == ord("D"):  # tab positions, up to NUL
            end = self._buffer.find(b"\x00", 2)
            if end < 0:
                raise NeedMore
            return end + 1
        if cmd == ord("*"):  # column-format bit image: skipped (not rendered)
            self._need(5)
            dots = self._buffer[3] + 256 * self._buffer[4]
            length = 5 + dots * (1 if self._buffer[2] in (0, 1) else 3)
            self._need(length)
            self.unknown.append(b"ESC * (column image not rendered)")
            return length
        if cmd not in _ESC_FIXED:
            self.unknown.append(bytes(self._buffer[:2]))
            return 2
        length = 2 + _ESC_FIXED[cmd]
        self._need(length)
        args = self._buffer[2:length]
        style = self._style
        match chr(cmd):
            case "@":
                self._style = _Style()
                self._line = TextLine()
            case "a":
                style.align = args[0] % 48 if args[0] >= 48 else args[0]
                style.align = min(style.align, 2)
            case "E":
                style.bold = bool(args[0] & 1)
            case "G":
                style.double_strike = bool(args[0] & 1)
            case "-":
                style.underline = (args[0] % 48 if args[0] >= 48 else args[0]) > 0
            case "!":
                style.bold = bool(args[0] & 0x08)
                style.height = 2 if args[0] & 0x10 else 1
                style.width = 2 if args[0] & 0x20 else 1
                style.underline = bool(args[0] & 0x80)
            case "t":
                if args[0] not in CODEPAGES:
                    self.unknown.append(b"ESC t " + bytes(args))
                style.codepage = args[0]
            case "d":
                self._print_and_feed(args[0])
            case "J":
                self._print_line(only_if_pending=True)
        return length

    def _fs(self) -> int:
        self._need(2)
        cmd = self._buffer[1]
        if cmd == ord("2"):  # define user Kanji: c1 c2 + 72 bytes
            self._need(76)
            return 76
        if cmd not in _FS_FIXED:
            self.unknown.append(bytes(self._buffer[:2]))
            return 2
        length = 2 + _FS_FIXED[cmd]
        self._need(length)
        if cmd == ord("&"):
            self._style.chinese = True
        elif cmd == ord("."):
            self._style.chinese = False
        return length

    def _gs(self) -> int:
        self._need(2)
        cmd = self._buffer[1]
        if cmd == ord("("):  # GS ( fn pL pH data
            self._need(5)
            length = 5 + self._buffer[3] + 256 * self._buffer[4]
            self._need(length)
            if self._buffer[2] == ord("k"):
                self._two_d_code(bytes(self._buffer[5:length]))
            return length
        if cmd == ord("8"):  # GS 8 L p1..p4 data (large graphics): skipped
            self._need(7)
            length = 7 + int.from_bytes(self._buffer[3:7], "little")
            self._need(length)
            self.unknown.append(b"GS 8 L (graphics not rendered)")
            return length
        if cmd == ord("v"):
            return self._raster_image()
        if cmd == ord("V"):
            self._need(3)
            length = 4 if self._buffer[2] in _GS_V_WITH_FEED else 3
            self._need(length)
            if length == 4 and self._buffer[3] >= 30:  # extra feed beyond the cutter
                self._print_and_feed(self._buffer[3] // 30)
            self._cut()
            return length
        if cmd == ord("k"):  # barcode: skipped with its length
            self._need(3)
            if self._buffer[2] <= 6:
                end = self._buffer.find(b"\x00", 3)
                if end < 0:
                    raise NeedMore
                return end + 1
            self._need(4)
            length = 4 + self._buffer[3]
            self._need(length)
            return length
        if cmd not in _GS_FIXED:
            self.unknown.append(bytes(self._buffer[:2]))
            return 2
        length = 2 + _GS_FIXED[cmd]
        self._need(length)
        if cmd == ord("!"):
            n = self._buffer[2]
            self._style.width = min((n >> 4) + 1, 8)
            self._style.height = min((n & 0x0F) + 1, 8)
        return length

    def _raster_image(self) -> int:
        self._need(8)
        if self._buffer[2] != ord("0"):
            self.unknown.append(bytes(self._buffer[:3]))
            return 3
        mode = self._buffer[3]
        width_bytes = self._buffer[4] + 256 * self._buffer[5]
        height = self._buffer[6] + 256 * self._buffer[7]
        length = 8 + width_bytes * height
        self._need(length)
        if width_bytes and height:
            bits = bytes(self._buffer[8:length])
            image = Image.frombytes("1", (width_bytes * 8, height), bits, "raw", "1;I")
            scale_x = 2 if mode & 1 else 1
            scale_y = 2 if mode & 2 else 1
            if scale_x > 1 or scale_y > 1:
                image = image.resize((image.width * scale_x, image.height * scale_y),
                                     Image.Resampling.NEAREST)
            self._print_line(only_if_pending=True)
            self._put(ImageItem(image, self._style.align))
        return length

    def _two_d_code(self, body: bytes) -> None:
        """GS ( k body: cn fn [parameters]. Only QR (cn = '1') is stored and printed."""
        if len(body) < 2 or body[0] != ord("1"):
            return
        fn = body[1]
        if fn == 67 and len(body) >= 3:  # module size
            self._qr_module = body[2]
        elif fn == 69 and len(body) >= 3:  # error correction
            self._qr_error = body[2]
        elif fn == 80:  # store data (after m = '0')
            self._qr_data = body[3:]
        elif fn == 81:  # print the stored symbol
            self._print_line(only_if_pending=True)
            data = self._qr_data.decode("utf-8", "replace")
            self._put(QRItem(data, self._qr_module, self._qr_error, self._style.align))

    # --- paper -----------------------------------------------------------------------

    def _add_glyph(self, char: str, columns: int) -> None:
        style = self._style
        glyph = Glyph(char, columns, bold=style.bold or style.double_strike,
                      underline=style.underline, width=style.width, height=style.height)
        if self._line.columns + columns * style.width > self.chars_per_line:
            self._print_line()  # the printer wraps a full line by itself
        if not self._line.glyphs:
            self._line.align = style.align  # ESC a counts at the start of a line
        self._line.glyphs.append(glyph)

    def _print_line(self, only_if_pending: bool = False) -> None:
        if only_if_pending and not self._line.glyphs:
            return
        line, self._line = self._line, TextLine()
        self._put(line)

    def _print_and_feed(self, lines: int) -> None:
        if self._line.glyphs:
            self._print_line()
            lines -= 1
        for _ in range(max(lines, 0)):
            self._put(TextLine())

    def _put(self, item: Item) -> None:
        if not self.faults.can_print():
            return  # no paper, cover open or offline: nothing reaches the paper
        self._job.items.append(item)
        if self.faults.count_printed_line():
            self._finish_job(complete=False)  # the roll ran out in the middle of the slip

    def _cut(self) -> None:
        self._print_line(only_if_pending=True)
        if self._finish_request is not None:
            return  # the paper ran out on the last line: that slip is already ending
        if self.faults.can_print():
            self._finish_job(complete=True)
        elif self._job.items:
            self._finish_job(complete=False)  # stopped (cover opened...) part-way: no cut
        else:
            self._discard = True  # nothing was printed: there is no slip to cut

    def _finish_job(self, *, complete: bool) -> None:
        self._finish_request = complete
