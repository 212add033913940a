"""What the three statement readers share (statement_alipay, statement_wechat,
statement_unionpay; the formats in docs/payments-qr.md): bounded unpacking, strict
amounts, and the one refusal.

A statement is used whole or not at all: anything that does not read as the provider's
format (a bad ZIP, gzip or deflate stream, bytes that are not the expected encoding, a
line cut short, an amount that is not money, more lines or bytes than the bounds) raises
ProviderUncertain("unreadable_statement"), and reconciliation keeps nothing of that
provider's day.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from io import BytesIO
from typing import NoReturn, TypeVar

from central.payments.providers import ProviderUncertain

# A day of a whole fleet is far below both; a file past them is refused, not cut.
MAX_STATEMENT_BYTES = 256 * 1024 * 1024  # unpacked
MAX_LINES = 1_000_000
MAX_ZIP_MEMBERS = 16
UTF8_FLAG = 0x800
MONEY = re.compile(r"-?\d{1,12}\.\d{2}")
T = TypeVar("T")


def unreadable() -> NoReturn:
    raise ProviderUncertain("unreadable_statement")


def inflate(data: bytes, max_bytes: int, *, gzip: bool = False) -> bytes:
    """A zlib (or gzip) stream unpacked, refused when broken, cut short, or bigger than
    ``max_bytes`` (a bomb is stopped at the bound, never unpacked whole)."""
    unpacker = zlib.decompressobj(wbits=31 if gzip else 15)
    try:
        out = unpacker.decompress(data, max_bytes + 1)
    except zlib.error:
        unreadable()
    if len(out) > max_bytes or unpacker.unconsumed_tail or not unpacker.eof \
            or unpacker.unused_data:
        unreadable()
    return out


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name: UTF-8 when flagged so, else the GBK bytes Chinese providers
    write (Python reads those as cp437)."""
    if info.flag_bits & UTF8_FLAG:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def unzip(data: bytes, max_bytes: int) -> dict[str, bytes]:
    """Every file of a ZIP by name; refused when it is no ZIP, a member is damaged (CRC),
    or the members together would unpack past ``max_bytes``."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            if len(members) > MAX_ZIP_MEMBERS \
                    or sum(info.file_size for info in members) > max_bytes:
                unreadable()
            files: dict[str, bytes] = {}
            for info in members:
                with archive.open(info) as member:
                    content = member.read(max_bytes + 1)  # bounded even if sizes lie
                if len(content) > max_bytes:
                    unreadable()
                files[member_name(info)] = content
            return files
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError,
            OSError, zlib.error, ValueError):
        unreadable()


def decoded(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError:
        unreadable()


def fen(text: str, *, negative: bool = False) -> int:
    """``12.34`` (``-12.34`` when ``negative`` may be) in fen; anything else is refused."""
    text = text.strip()
    if not MONEY.fullmatch(text) or (text.startswith("-") and not negative):
        unreadable()
    whole, cents = text.lstrip("-").split(".")
    value = int(whole) * 100 + int(cents)
    return -value if text.startswith("-") else value


def counted(lines: list[T], max_lines: int) -> list[T]:
    if len(lines) > max_lines:
        unreadable()
    return lines
