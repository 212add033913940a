"""The points self-assessment slip (DOMAIN.md 2.5): 居住证积分自测结果（仅供参考）.

Each indicator with its points, the total against the pass mark, the indicative notice,
the date and the kiosk. No personal data: only the points, never the answers' owner.
Bilingual like every slip (zh-Hans + the reader's language). Until the catalogs carry
these messages, the Chinese half falls back to the texts below, so the slip never
prints the English msgid where Chinese belongs.
"""

from __future__ import annotations

from hardware.document import Align, Block, Document, Row, Rule, Text
from kiosk.domain.points import INDICATIVE_NOTICE, PointsResult
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

# The Chinese half of the slip while the zh-Hans catalog lacks these messages.
ZH_HANS_FALLBACK: dict[str, str] = {
    TITLE: "居住证积分自测结果",
    INDICATIVE: "（仅供参考）",
    "Age": "年龄",
    "Education": "教育背景",
    "Vocational skill level or professional title": "职业资格或专业技术职称",
    "Years of Shanghai social insurance": "在本市缴纳社会保险年限",
    "Social insurance contribution base": "社会保险缴费基数",
    "Spouse with Shanghai household registration": "配偶为本市户籍人员",
    "Major in short supply": "紧缺急需专业",
    "Fresh graduate": "应届高校毕业生",
    "Awards": "表彰奖励",
    "Deductions": "减分",
    TOTAL: "合计",
    PASS_MARK: "标准分值",
    RESULT: "结果",
    REACHED: "达到标准分值",
    BELOW: "未达到标准分值",
    NOT_CUMULATIVE_NOTE: "学历与职称不累计，取较高者。",
    PRINTED_AT: "打印时间",
    NOTHING_KEPT: "未收集个人信息，也未发送任何数据。",
    SLIP_REFERENCE: "凭条编号",
    "Kiosk": "自助终端",
    "Location": "地点",
    "Hotline": "服务热线",
    INDICATIVE_NOTICE: "仅供参考：上海市居住证积分制度适用于来沪人员，不适用于外国人。",
}


class _PointsBilingual(_Bilingual):
    def base(self, message: str) -> str:
        translated = super().base(message)
        if translated == message:
            return ZH_HANS_FALLBACK.get(message, message)
        return translated


def points_slip(header: SlipHeader, result: PointsResult, lang: str, translator: Translator,
                *, issued: str, reference: str, not_cumulative: bool = False) -> Document:
    """The summary of DOMAIN.md 2.5: one row per indicator, total vs the pass mark,
    "indicative" under the title and in the notice, the slip's reference (the one the
    screen shows), print time and kiosk."""
    bi = _PointsBilingual(translator, lang)
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
