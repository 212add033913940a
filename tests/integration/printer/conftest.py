"""Fixtures for the receipt printer tests: the simulator on a real TCP port or pty, and
the real adapter opened on it. Everything is stopped and closed after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hardware.document import Align, Document, Feed, QRCode, Row, Rule, Text
from hardware.printer import EscposPrinter, PrinterProfile, open_printer
from hardware.sim.printer import PrinterSimulator

STATUS_TIMEOUT_S = 0.25  # the test files repeat these values: conftest is not importable
CONNECT_TIMEOUT_S = 1.0


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[PrinterSimulator]:
    with PrinterSimulator(tmp_path / "jobs") as sim:
        yield sim


Connect = Callable[[str], EscposPrinter]


@pytest.fixture
def connect() -> Iterator[Connect]:
    """Builds adapters on any URL with the test timeouts; closes them all afterwards."""
    opened: list[EscposPrinter] = []

    def build(url: str) -> EscposPrinter:
        printer = open_printer(url, PrinterProfile(), status_timeout_s=STATUS_TIMEOUT_S,
                               connect_timeout_s=CONNECT_TIMEOUT_S)
        opened.append(printer)
        return printer

    yield build
    for printer in opened:
        printer.close()


@pytest.fixture
def tcp_printer(simulator: PrinterSimulator, connect: Connect) -> EscposPrinter:
    return connect(simulator.start_tcp())


@pytest.fixture
def bilingual_receipt() -> Document:
    """A zh-Hans + French payment receipt with a row and a QR code."""
    return Document(blocks=(
        Text("上海虹桥海外人才一站式服务中心", align=Align.CENTER, bold=True),
        Text("缴费凭证", align=Align.CENTER, bold=True, size=2),
        Text("Reçu de paiement — électricité", align=Align.CENTER),
        Rule(),
        Row("缴费单位 Créancier", "国网上海市电力公司"),
        Row("金额 Montant", "128,50 CNY", bold=True),
        Row("Référence", "BP-20240601-0007"),
        QRCode("https://kiosk.example.cn/r/BP-20240601-0007", module=5),
        Text("谢谢 Merci, à bientôt", align=Align.CENTER),
        Feed(2),
    ), language="fr", title="bill receipt")


@pytest.fixture
def korean_receipt() -> Document:
    return Document(blocks=(
        Text("缴费凭证", align=Align.CENTER, bold=True, size=2),
        Text("납부 영수증", align=Align.CENTER, bold=True),
        Rule(),
        Row("金额 금액", "CN¥128.50"),
        Row("参考号 참조 번호", "BP-20240601-0008"),
        Text("감사합니다"),
    ), language="ko")


@pytest.fixture
def long_receipt() -> Document:
    """Twelve plain lines."""
    return Document(blocks=tuple(Text(f"line {i}") for i in range(12)))
