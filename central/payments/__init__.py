"""Payments at central (docs/payments-qr.md): the bill payments kiosks record
(bill_records: card or QR, never refused for a business reason), the QR orders central
opens at the providers for the kiosks (one module per provider, the merchant keys read
only here), their notifications and the providers' daily statements."""
