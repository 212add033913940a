"""Messages of the payment terminal protocol: layout, field rules, PAN masking."""

from __future__ import annotations

import pytest

from hardware.payment.messages import (
    CancelRequest,
    EventNotice,
    Message,
    MessageError,
    ReversalRequest,
    ReversalResponse,
    SaleRequest,
    SaleResponse,
    StatusRequest,
    StatusResponse,
    TransactionState,
    TypedMessage,
    mask_pan,
    parse,
)

APPROVED = SaleResponse(reference="K1-0001", response_code="00", auth_code="123456",
                        rrn="000123456789", masked_pan="622848******1234",
                        card_brand="UnionPay", terminal_id="SHKT0001",
                        merchant_id="898310048160001")


def test_sale_request_is_type_then_fs_separated_fields() -> None:
    """GIVEN a sale of 123.45 CNY
    WHEN it is encoded
    THEN DATA is SALE, FS, reference, FS, amount in fen, FS, 156."""
    data = SaleRequest("K1-0001", 12345).to_message().encode()
    assert data == b"SALE\x1cK1-0001\x1c12345\x1c156"


@pytest.mark.parametrize("typed", [
    SaleRequest("K1-0001", 1),
    ReversalRequest("K1-0001"),
    EventNotice("enter_pin"),
    APPROVED,
    SaleResponse(reference="K1-0002", response_code="51", rrn="000000000051",
                 masked_pan="622202******0051", card_brand="UnionPay"),
    ReversalResponse("K1-0001", "25"),
    StatusRequest("K1-0001"),
    CancelRequest("K1-0001"),
    StatusResponse.of_sale(TransactionState.APPROVED, APPROVED),
    StatusResponse.of_sale(TransactionState.REVERSED, APPROVED),
    StatusResponse("K1-0017", TransactionState.DECLINED, "17"),
    StatusResponse("K1-0009", TransactionState.IN_PROGRESS),
    StatusResponse("K1-0009", TransactionState.UNKNOWN),
])
def test_every_message_survives_encode_and_decode(typed: TypedMessage) -> None:
    """GIVEN a typed message
    WHEN it is encoded to DATA and parsed back
    THEN the same typed message comes out."""
    data = typed.to_message().encode()
    assert parse(Message.decode(data)) == typed


def test_extra_trailing_fields_from_a_newer_peer_are_ignored() -> None:
    """GIVEN a REVR with one more field than this version knows
    WHEN it is parsed
    THEN the known fields are read and the extra one ignored; one field too few fails."""
    assert parse(Message("REVR", ("K1", "00", "future"))) == ReversalResponse("K1", "00")
    with pytest.raises(MessageError):
        parse(Message("REVR", ("K1",)))


def test_unknown_types_come_back_untyped() -> None:
    """GIVEN a message type this version does not know (a newer peer's)
    WHEN it is parsed
    THEN the plain Message comes back for the caller to skip."""
    assert parse(Message("ZZZZ", ("K1",))) == Message("ZZZZ", ("K1",))


def test_stat_canc_and_star_have_the_documented_layout() -> None:
    """GIVEN a STAT, a CANC and the STAR of a reversed approval
    WHEN they are encoded
    THEN DATA is the type then FS-separated fields, state second in the STAR, the
    original approval's fields after it."""
    assert StatusRequest("K1").to_message().encode() == b"STAT\x1cK1"
    assert CancelRequest("K1").to_message().encode() == b"CANC\x1cK1"
    star = StatusResponse.of_sale(TransactionState.REVERSED, APPROVED).to_message().encode()
    assert star == (b"STAR\x1cK1-0001\x1creversed\x1c00\x1c123456\x1c000123456789"
                    b"\x1c622848******1234\x1cUnionPay\x1cSHKT0001\x1c898310048160001")


@pytest.mark.parametrize("fields", [
    ("K1", "paid", "00", "123456", "", "", "", "", ""),  # unknown state
    ("K1", "approved", "05", "", "", "", "", "", ""),  # approved with a decline code
    ("K1", "approved", "00", "", "", "", "", "", ""),  # approved without auth code
    ("K1", "reversed", "51", "", "", "", "", "", ""),  # only an approval can be reversed
    ("K1", "declined", "00", "123456", "", "", "", "", ""),  # declined with code 00
    ("K1", "declined", "", "", "", "", "", "", ""),  # declined without a code
    ("K1", "unknown", "00", "", "", "", "", "", ""),  # unknown with a result
    ("K1", "in_progress", "", "", "", "6228480000031234", "", "", ""),  # and a PAN
    ("K1", "approved", "00", "123456", "", "6228480000031234", "", "", ""),  # full PAN
    ("K1", "unknown"),  # too few fields
])
def test_a_star_that_breaks_its_rules_is_refused(fields: tuple[str, ...]) -> None:
    """GIVEN a STAR whose state, response code and result fields do not fit together
    WHEN it is parsed
    THEN MessageError is raised, without the card number in its text."""
    with pytest.raises(MessageError) as caught:
        parse(Message("STAR", fields))
    assert "6228480000031234" not in str(caught.value)


@pytest.mark.parametrize("data", [b"SAL", b"sale\x1cK1", b"SALE1\x1cK1", b"\xe4SALE"])
def test_data_without_a_four_letter_type_is_refused(data: bytes) -> None:
    """GIVEN DATA that does not start with 4 capital letters
    WHEN it is decoded
    THEN MessageError is raised (the link answers NAK)."""
    with pytest.raises(MessageError):
        Message.decode(data)


def test_an_unmasked_card_number_is_refused_without_echoing_it() -> None:
    """GIVEN a SALR carrying a full card number where the 6/4 mask belongs
    WHEN it is parsed
    THEN MessageError is raised and its text does not contain the number."""
    fields = list(APPROVED.to_message().fields)
    fields[4] = "6228480000031234"
    with pytest.raises(MessageError) as caught:
        parse(Message("SALR", tuple(fields)))
    assert "6228480000031234" not in str(caught.value)


def test_an_approval_needs_an_auth_code_and_a_decline_does_not() -> None:
    """GIVEN an approved SALR without auth code, and a declined one without
    WHEN they are parsed
    THEN the approval is refused and the decline accepted."""
    with pytest.raises(MessageError):
        parse(Message("SALR", ("K1", "00", "", "", "", "", "", "")))
    assert parse(Message("SALR", ("K1", "05", "", "", "", "", "", ""))) == \
        SaleResponse("K1", "05")


@pytest.mark.parametrize(("reference", "amount"), [
    ("", 100), ("K1 0001", 100), ("K" * 33, 100), ("K1", 0), ("K1", -5), ("K1", 10**12),
])
def test_sale_arguments_out_of_range_are_refused(reference: str, amount: int) -> None:
    """GIVEN an empty, spaced or too long reference, or a non-positive or huge amount
    WHEN the SALE is built
    THEN MessageError is raised."""
    with pytest.raises(MessageError):
        SaleRequest(reference, amount).to_message()


def test_mask_pan_keeps_first_six_and_last_four() -> None:
    """GIVEN a 16- and a 19-digit card number
    WHEN they are masked
    THEN only the first 6 and last 4 digits remain; short numbers are refused."""
    assert mask_pan("6228480000031234") == "622848******1234"
    assert mask_pan("6217000000000200091") == "621700*********0091"
    with pytest.raises(ValueError):
        mask_pan("123456789012")
