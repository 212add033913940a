"""Payment terminal over a framed serial protocol (docs/hardware/payment-terminal.md).

framing: frames, LRC, streaming parser (pure). messages: typed messages (pure).
port: byte ports over pyserial. link: ACK/NAK and retransmission. terminal: the adapter.
"""

from hardware.payment.terminal import SerialPaymentTerminal, open_terminal

__all__ = ["SerialPaymentTerminal", "open_terminal"]
