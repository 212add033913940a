"""The QR payment provider simulator: Alipay, WeChat Pay and UnionPay QR on one HTTP
server on 127.0.0.1, an in-memory ledger, the person who pays, notifications, the daily
statements and the fault switches.

    with QrPaySimulator(Path("keys")) as sim:
        base_url = sim.start()          # also writes keys/central-payments.toml
        control = sim.start_control()   # the JSON-lines control line
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import TracebackType

from hardware.sim.control import SILENT, ControlServer
from hardware.sim.qrpay.alipay import AlipayGateway
from hardware.sim.qrpay.bank import Bank
from hardware.sim.qrpay.codes import DEFAULT_LIFETIME_S, PaymentCodes
from hardware.sim.qrpay.faults import FaultState
from hardware.sim.qrpay.keys import load_or_create, write_central_settings
from hardware.sim.qrpay.ledger import Provider
from hardware.sim.qrpay.messages import BillStore, Request, Response
from hardware.sim.qrpay.notify import Notifier
from hardware.sim.qrpay.scheduler import Scheduler
from hardware.sim.qrpay.server import QrPayHttpServer
from hardware.sim.qrpay.unionpay import UnionPayGateway
from hardware.sim.qrpay.wechat import WeChatPayApi

logger = logging.getLogger(__name__)


class QrPaySimulator:
    def __init__(self, keys_dir: Path, *, notify_backoff_s: float = 1.0,
                 notify_attempts: int = 5, code_lifetime_s: float = DEFAULT_LIFETIME_S,
                 auto_pay_after_s: float | None = None) -> None:
        self.keys = load_or_create(keys_dir)
        self.faults = FaultState()
        self.scheduler = Scheduler()
        self.bank = Bank(self.faults, self.scheduler, PaymentCodes(code_lifetime_s))
        self.bank.auto_pay_after_s = auto_pay_after_s
        self.bills = BillStore()
        self.notifier = Notifier(self.scheduler, self.faults, backoff_s=notify_backoff_s,
                                 attempts=notify_attempts)
        self.alipay = AlipayGateway(self.bank, self.keys, self.bills, self._base_url)
        self.wechat = WeChatPayApi(self.bank, self.keys, self.bills, self._base_url)
        self.unionpay = UnionPayGateway(self.bank, self.keys, self.bills, self._base_url)
        self.notifier.formats = {Provider.ALIPAY: self.alipay, Provider.WECHAT: self.wechat,
                                 Provider.UNIONPAY: self.unionpay}
        self.bank.on_paid = self.notifier.notify
        self._http: QrPayHttpServer | None = None
        self._control: ControlServer | None = None
        self._stopping = False
        self.settings_file: Path | None = None

    # -- life -----------------------------------------------------------------------------

    def start(self, port: int = 0, host: str = "127.0.0.1") -> str:
        """Serve on ``host:port`` (0: any free port); write central's settings file with
        the real port; return the base URL."""
        self._http = QrPayHttpServer((host, port), self.handle)
        self._http.start()
        self.settings_file = write_central_settings(self.keys, self._http.port, host)
        logger.info("qrpay simulator on %s", self.base_url)
        return self.base_url

    def start_control(self, port: int = 0, host: str = "127.0.0.1") -> str:
        from hardware.sim.qrpay.control import control_handler

        self._control = ControlServer(control_handler(self))
        return self._control.start(port, host)

    def stop(self) -> None:
        self._stopping = True
        self.faults.wake()  # a silent or slow request gives up now
        if self._control is not None:
            self._control.stop()
            self._control = None
        if self._http is not None:
            self._http.stop()
            self._http = None
        self.scheduler.stop()

    def __enter__(self) -> QrPaySimulator:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return self._base_url()

    def _base_url(self) -> str:
        if self._http is None:
            raise RuntimeError("the simulator is not serving: start() first")
        host = self._http.server_address[0]
        return f"http://{host!s}:{self._http.port}"

    # -- requests -------------------------------------------------------------------------

    def handle(self, request: Request) -> Response | None:
        """One provider request, with the faults that bend the answer."""
        if self.faults.on(SILENT):
            self.faults.wait_while_on(SILENT, lambda: self._stopping)
            return None
        slow = self.faults.seconds("slow")
        if slow:
            self.faults.sleep(slow, lambda: self._stopping)
        response = self._route(request)
        if self.faults.take("lost"):
            logger.info("qrpay sim: answer to %s %s lost", request.method, request.path)
            return None
        return response

    def _route(self, request: Request) -> Response:
        path = request.path
        if path == "/gateway.do" or path.startswith("/bills/alipay/"):
            return self.alipay.handle(request)
        if path.startswith("/v3/"):
            return self.wechat.handle(request)
        if path.startswith("/gateway/api/"):
            return self.unionpay.handle(request)
        return Response.text(404, "no such provider endpoint", "text/plain; charset=utf-8")
