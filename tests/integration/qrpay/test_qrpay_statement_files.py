"""Central's readers of the providers' statement files (central/payments/statement_*.py)
on files the simulator writes (hardware/sim/qrpay/statement_*.py), whole and damaged:
every damage is refused as unreadable_statement, never read in part, never a crash;
what the formats allow (extra columns, an older ZM line) still reads."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import zipfile
import zlib
from collections.abc import Callable
from datetime import date, datetime

import pytest

from central.payments.providers import ProviderUncertain, StatementLine
from central.payments.statement_alipay import parse_alipay_bill
from central.payments.statement_unionpay import (
    AMOUNT,
    ORDER_ID,
    ORIG_ORDER_ID,
    STARTS,
    parse_unionpay_file,
)
from central.payments.statement_wechat import parse_wechat_bill
from hardware.sim.qrpay.ledger import BEIJING
from hardware.sim.qrpay.statement import Entry
from hardware.sim.qrpay.statement_alipay import detail_csv, summary_csv
from hardware.sim.qrpay.statement_unionpay import unionpay_statement, zm_line, zm_name
from hardware.sim.qrpay.statement_wechat import wechat_statement

DAY = date(2026, 3, 9)
BOMB = b"\0" * (64 * 1024 * 1024)  # 64 MiB of zeros: packs to a few tens of KB
SMALL = 1024 * 1024


def at(hour: int) -> datetime:
    return datetime(2026, 3, 9, hour, 0, tzinfo=BEIJING)


# Provider ids of 21 digits: UnionPay's queryId is that wide (Alipay's and WeChat Pay's
# are wider; their files are CSV and take any).
ENTRIES = [
    Entry(False, "ORD-1", "260309090000000000001", 1234, 1234, at(9), "水费"),
    Entry(False, "ORD-2", "260309100000000000002", 2000, 2000, at(10), "电费"),
    Entry(True, "ORD-2", "260309100000000000002", 500, 2000, at(11), "电费", "ORD-2-R1",
          "260309110000000000004"),
    Entry(False, "ORD-3", "260309120000000000003", 700, 700, at(12), "gas"),
    Entry(True, "ORD-3", "260309120000000000003", 700, 700, at(13), "gas", "ORD-3-V",
          "260309130000000000005", reversal=True)]
EXPECTED = [StatementLine("ORD-1", "payment", 1234, "260309090000000000001"),
            StatementLine("ORD-2", "payment", 2000, "260309100000000000002"),
            StatementLine("ORD-2", "refund", 500, "260309100000000000002"),
            StatementLine("ORD-3", "payment", 700, "260309120000000000003"),
            StatementLine("ORD-3", "refund", 700, "260309120000000000003")]


def refused(read: Callable[[], list[StatementLine]]) -> None:
    with pytest.raises(ProviderUncertain) as caught:
        read()
    assert caught.value.reason == "unreadable_statement"


def zipped(*members: tuple[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            archive.writestr(name, content)
    return out.getvalue()


# -- Alipay -------------------------------------------------------------------------------

def alipay_zip(detail: str | None = None, *, encoding: str = "gbk") -> bytes:
    detail = detail_csv(ENTRIES, DAY, at(23)) if detail is None else detail
    return zipped(("20880000000000010156_20260309_业务明细.csv", detail.encode(encoding)),
                  ("20880000000000010156_20260309_业务明细(汇总).csv",
                   summary_csv(ENTRIES, DAY, at(23)).encode("gbk")))


def alipay_detail_lines() -> list[str]:
    return detail_csv(ENTRIES, DAY, at(23)).split("\r\n")


def alipay_changed(index: int, change: Callable[[str], str]) -> str:
    lines = alipay_detail_lines()
    lines[index] = change(lines[index])
    return "\r\n".join(lines)


def test_alipay_reads_the_simulators_zip_and_tolerates_an_extra_column() -> None:
    """GIVEN the day's trade bill ZIP, and the same with one more column at the end
    WHEN central reads them
    THEN both give every payment and refund (refunds from their negative amounts)."""
    assert parse_alipay_bill(alipay_zip()) == EXPECTED
    lines = alipay_detail_lines()
    lines[4:10] = [line + (",新列" if i == 0 else ",x\t") for i, line in enumerate(lines[4:10])]
    assert parse_alipay_bill(alipay_zip("\r\n".join(lines))) == EXPECTED


ALIPAY_DAMAGE: dict[str, Callable[[], bytes]] = {
    "bad zip": lambda: alipay_zip()[:-40],
    "utf-8, not gbk": lambda: alipay_zip(encoding="utf-8"),
    "a line cut short": lambda: alipay_zip(alipay_changed(6, lambda line: line[:60])),
    "an amount that is not money": lambda: alipay_zip(alipay_changed(
        5, lambda line: line.replace("12.34", "12.3x"))),
    "no end marker (cut short)": lambda: alipay_zip("\r\n".join(alipay_detail_lines()[:8])),
    "a line the totals do not count": lambda: alipay_zip(alipay_changed(
        6, lambda line: line + "\r\n" + line)),
    "a bomb-sized member": lambda: zipped(("x_业务明细.csv", BOMB)),
}


@pytest.mark.parametrize("damage", list(ALIPAY_DAMAGE))
def test_alipay_refuses_a_damaged_bill(damage: str) -> None:
    """GIVEN the day's trade bill ZIP with one kind of damage
    WHEN central reads it (unpacking bounded at 1 MiB)
    THEN it is refused as unreadable_statement."""
    archive = ALIPAY_DAMAGE[damage]()
    refused(lambda: parse_alipay_bill(archive, max_bytes=SMALL))


def test_alipay_refuses_more_lines_than_the_bound() -> None:
    """GIVEN a bill of five lines WHEN read with a bound of four THEN it is refused."""
    refused(lambda: parse_alipay_bill(alipay_zip(), max_lines=4))


# -- WeChat Pay ---------------------------------------------------------------------------

def wechat_table() -> bytes:
    return wechat_statement(ENTRIES)


def sha1(data: bytes) -> str:
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def wechat_changed(index: int, change: Callable[[str], str]) -> bytes:
    lines = wechat_table().decode().split("\r\n")
    lines[index] = change(lines[index])
    return "\r\n".join(lines).encode()


def test_wechat_reads_the_bill_gzip_or_plain_with_its_hash() -> None:
    """GIVEN the day's bill, gzip and plain, with the SHA1 of the CSV
    WHEN central reads it
    THEN both give every payment and refund (the reverse as a refund)."""
    table = wechat_table()
    assert parse_wechat_bill(gzip.compress(table), "SHA1", sha1(table)) == EXPECTED
    assert parse_wechat_bill(table, "SHA1", sha1(table)) == EXPECTED


def _wechat_with_own_hash(table: bytes) -> tuple[bytes, str]:
    return gzip.compress(table), sha1(table)


WECHAT_DAMAGE: dict[str, Callable[[], tuple[bytes, str]]] = {
    "bad hash": lambda: (gzip.compress(wechat_table()), sha1(b"another file")),
    "bad gzip": lambda: (gzip.compress(wechat_table())[:-12], sha1(wechat_table())),
    "gbk, not utf-8": lambda: _wechat_with_own_hash(wechat_table().decode().encode("gbk")),
    "a line cut short": lambda: _wechat_with_own_hash(wechat_changed(
        2, lambda line: line.rsplit(",", 4)[0])),
    "an amount that is not money": lambda: _wechat_with_own_hash(wechat_changed(
        1, lambda line: line.replace("`12.34", "`12.3x"))),
    "no totals (cut short)": lambda: _wechat_with_own_hash(
        b"\r\n".join(wechat_table().split(b"\r\n")[:4])),
    "totals that do not add up": lambda: _wechat_with_own_hash(wechat_changed(
        -2, lambda line: line.replace("`5,", "`4,", 1))),
    "a bomb-sized gzip": lambda: (gzip.compress(BOMB), sha1(BOMB)),
}


@pytest.mark.parametrize("damage", list(WECHAT_DAMAGE))
def test_wechat_refuses_a_damaged_bill(damage: str) -> None:
    """GIVEN the day's bill with one kind of damage (its hash the damaged CSV's, but for
    the bad hash itself)
    WHEN central reads it (unpacking bounded at 1 MiB)
    THEN it is refused as unreadable_statement."""
    raw, digest = WECHAT_DAMAGE[damage]()
    refused(lambda: parse_wechat_bill(raw, "SHA1", digest, max_bytes=SMALL))


def test_wechat_refuses_more_lines_than_the_bound() -> None:
    """GIVEN a bill of five lines WHEN read with a bound of four THEN it is refused."""
    table = wechat_table()
    refused(lambda: parse_wechat_bill(table, "SHA1", sha1(table), max_lines=4))


# -- UnionPay -----------------------------------------------------------------------------

def file_content(packed_zip: bytes) -> str:
    return base64.b64encode(zlib.compress(packed_zip)).decode("ascii")


def zm(lines: list[bytes]) -> str:
    return file_content(zipped((zm_name(DAY), b"".join(line + b"\r\n" for line in lines))))


def zm_lines() -> list[bytes]:
    return [zm_line(entry) for entry in ENTRIES]


def older(line: bytes) -> bytes:
    """The line as older ZM files end it: after 交易介质, no 原始交易订单号."""
    return line[:STARTS[ORIG_ORDER_ID] - 1]


def replaced(line: bytes, index: int, value: bytes) -> bytes:
    return line[:STARTS[index]] + value + line[STARTS[index] + len(value):]


def test_unionpay_reads_the_zm_file_and_an_older_line_without_the_orig_order_id() -> None:
    """GIVEN the day's ZM file, and the same with lines ending after 交易介质 (no
    原始交易订单号: older files)
    WHEN central reads them
    THEN both give every payment and refund (a void as a refund), each refund under
    its payment's orderId and queryId."""
    assert parse_unionpay_file(file_content(unionpay_statement(ENTRIES, DAY))) == EXPECTED
    assert parse_unionpay_file(zm([older(line) for line in zm_lines()])) == EXPECTED


def _zm_changed(index: int, change: Callable[[bytes], bytes]) -> str:
    lines = zm_lines()
    lines[index] = change(lines[index])
    return zm(lines)


UNIONPAY_DAMAGE: dict[str, Callable[[], str]] = {
    "not base64": lambda: "***",
    "bad deflate": lambda: base64.b64encode(zlib.compress(
        unionpay_statement(ENTRIES, DAY))[:-9]).decode(),
    "bad zip": lambda: file_content(unionpay_statement(ENTRIES, DAY)[:-30]),
    "not gbk": lambda: _zm_changed(0, lambda line: replaced(line, ORDER_ID, b"\xff\xff")),
    "a line cut short": lambda: _zm_changed(1, lambda line: line[:120]),
    "an amount that is not money": lambda: _zm_changed(
        0, lambda line: replaced(line, AMOUNT, b"00000000123a")),
    "a refund naming no payment": lambda: zm([older(zm_lines()[2])]),
    "a bomb-sized deflate": lambda: base64.b64encode(zlib.compress(BOMB)).decode(),
}


@pytest.mark.parametrize("damage", list(UNIONPAY_DAMAGE))
def test_unionpay_refuses_a_damaged_file(damage: str) -> None:
    """GIVEN the day's fileContent with one kind of damage
    WHEN central reads it (unpacking bounded at 1 MiB)
    THEN it is refused as unreadable_statement."""
    content = UNIONPAY_DAMAGE[damage]()
    refused(lambda: parse_unionpay_file(content, max_bytes=SMALL))


def test_unionpay_refuses_more_lines_than_the_bound() -> None:
    """GIVEN a file of five lines WHEN read with a bound of four THEN it is refused."""
    refused(lambda: parse_unionpay_file(zm(zm_lines()), max_lines=4))
