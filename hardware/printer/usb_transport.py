"""USB printers (``usb://VID:PID``) through python-escpos ``Usb``, an optional extra.

pyusb is not a dependency of the kiosk: it is the ``usb`` extra
(``pip install 'shanghai-selfservice-kiosk[usb]'``) and is imported only when a USB
printer is opened, so a kiosk without it starts and reports the printer as disconnected
with the fix in the detail. A printer whose kernel driver (usblp) is bound can also be
reached as ``file:///dev/usb/lp0`` without pyusb.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from hardware.printer.connection import Transport
from hardware.printer.escpos_import import Usb

PYUSB_MISSING = "pyusb is not installed: pip install 'shanghai-selfservice-kiosk[usb]'"
NO_BACKEND = "pyusb found no libusb backend: install libusb-1.0-0"
_READ_SIZE = 64  # one full-speed bulk packet: asking for less can overflow on libusb
_DRAIN_LIMIT = 64 * 1024


class UsbUnavailableError(Exception):
    """USB printing cannot work on this machine (pyusb or libusb missing); the message
    says what to install. The adapter turns it into DeviceError(disconnected)."""


def _import_pyusb() -> ModuleType:
    try:
        return importlib.import_module("usb.core")
    except ImportError as exc:
        raise UsbUnavailableError(PYUSB_MISSING) from exc


class _UsbWithoutDependencyCheck(Usb):  # type: ignore[misc]
    """python-escpos Usb whose close() does not raise RuntimeError when pyusb is missing
    (Escpos.__del__ calls close(), so the stock one complains at garbage collection)."""

    def close(self) -> None:
        device: Any = getattr(self, "_device", False)
        self._device = False
        if device:
            importlib.import_module("usb.util").dispose_resources(device)


class UsbTransport(Transport):
    """A USB printer found by vendor and product id. pyusb reads whole packets, so extra
    reply bytes wait in ``_pending`` for the next read_byte()."""

    def __init__(self, vendor_id: int, product_id: int, *, in_ep: int, out_ep: int,
                 escpos_profile: str, io_timeout_s: float) -> None:
        self.vendor_id, self.product_id = vendor_id, product_id
        self.in_ep = in_ep
        self.io_timeout_ms = max(1, round(io_timeout_s * 1000))  # pyusb counts milliseconds
        self.printer = _UsbWithoutDependencyCheck(
            idVendor=vendor_id, idProduct=product_id, timeout=self.io_timeout_ms,
            in_ep=in_ep, out_ep=out_ep, profile=escpos_profile)
        self._usb_core: ModuleType | None = None
        self._pending = bytearray()

    def _device(self) -> Any:
        device = self.printer._device
        if not device:
            raise ConnectionResetError("not connected")
        return device

    def open(self) -> None:
        usb_core = _import_pyusb()
        self._usb_core = usb_core
        self._pending.clear()
        try:
            self.printer.open()
        except usb_core.NoBackendError as exc:
            raise UsbUnavailableError(NO_BACKEND) from exc

    def write(self, data: bytes) -> None:
        try:
            self.printer._raw(data)
        except Exception as exc:
            if self._usb_core is not None and isinstance(exc, self._usb_core.USBTimeoutError):
                raise TimeoutError("USB write timed out") from exc
            raise

    def _read_packet(self, timeout_ms: int) -> bytes | None:
        assert self._usb_core is not None  # set by open()
        try:
            data = self._device().read(self.in_ep, _READ_SIZE, timeout=timeout_ms)
        except self._usb_core.USBTimeoutError:
            return None
        return bytes(data)

    def read_byte(self, timeout_s: float) -> int | None:
        if not self._pending:
            packet = self._read_packet(max(1, round(timeout_s * 1000)))
            if not packet:
                return None
            self._pending += packet
        byte = self._pending[0]
        del self._pending[0]
        return byte

    def drain(self) -> None:
        self._pending.clear()
        drained = 0
        while drained < _DRAIN_LIMIT:
            packet = self._read_packet(1)
            if not packet:
                return
            drained += len(packet)

    def close(self) -> None:
        self._pending.clear()
        if self._usb_core is not None:
            self.printer.close()
