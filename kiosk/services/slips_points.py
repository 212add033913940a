"""The points self-assessment slip (docs/spec/points.md#slip): 居住证积分自测结果（仅供参考）.

Each indicator with its points, the total against the pass mark, the indicative notice,
the date and the kiosk. No personal data: only the points, never the answers' owner.
Bilingual like every slip (zh-Hans + the reader's language). Until the catalogs carry
these messages, the Chinese half falls back to the texts below, so the slip never
prints the English msgid where Chinese belongs.
"""

from __future__ import annotations

from hardware.document import Align, Block, Document, Row, Rule, Text
from kiosk.domain.points import PointsResult
from kiosk.services.ports import Translator
from kiosk.services.slips import SlipHeader, _Bilingual, _footer, _header


def N_(message: str) -> str:
    return message


TITLE = N_("Residence points self-assessment")
INDICATIVE = N_("(indicative only)")
TOTAL = N_("Total")
PASS_MARK = N_("Pass mark")
RESULT = N_("Result")
REACHED = N_("Reaches the pass mark")
BELOW = N_("Below the pass mark")
NOT_CUMULATIVE_NOTE = N_("Education and title are not cumulative: only the higher one counts.")
PRINTED_AT = N_("Printed at")
SLIP_REFERENCE = N_("Slip reference")
NOTHING_KEPT = N_("No personal data was collected; nothing was sent.")


def points_slip(header: SlipHeader, result: PointsResult, lang: str, translator: Translator,
                *, issued: str, reference: str, not_cumulative: bool = False) -> Document:
    """The summary of docs/spec/points.md#slip: one row per indicator, total vs the pass mark,
    "indicative" under the title and in the notice, the slip's reference (the one the
    screen shows), print time and kiosk."""
    bi = _Bilingual(translator, lang)
    blocks: list[Block] = _header(header, TITLE, bi)
    # "(indicative only)" on its own line under the title, before the header's rule:
    # the whole Chinese title would not fit one line at double size (12 characters).
    blocks.insert(len(blocks) - 1, Text(bi(INDICATIVE), align=Align.CENTER, bold=True))
    blocks += [Row(bi(line.label), str(line.points)) for line in result.lines]
    if not_cumulative:
        blocks.append(Text(bi(NOT_CUMULATIVE_NOTE)))
    outcome = REACHED if result.reaches_pass_mark else BELOW
    blocks += [
        Rule(),
        Row(bi(TOTAL), str(result.total), bold=True),
        Row(bi(PASS_MARK), str(result.pass_mark)),
        Row(bi(RESULT), bi(outcome), bold=True),
        Rule(),
        Text(bi.base(result.notice), align=Align.CENTER, bold=True),
        *([] if bi.monolingual else [Text(bi.reader(result.notice), align=Align.CENTER)]),
        Rule(),
        Row(bi(SLIP_REFERENCE), reference),
        Row(bi(PRINTED_AT), issued),
        Row(bi(N_("Kiosk")), header.kiosk_id),
        Row(bi(N_("Location")), header.location),
    ]
    blocks += _footer(header, bi, NOTHING_KEPT)
    return Document(blocks=tuple(blocks), language=lang, title="points self-assessment")
