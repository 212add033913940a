"""The console's words in English and Chinese (zh-Hans): a catalogue keyed by the English
text, as gettext's msgids are. Two languages and about 140 short strings: a dictionary
reads better here than .po files and a compile step (the kiosk's eight languages use
gettext, kiosk/i18n.py). tests/unit/test_console_i18n.py checks that every string the
templates and pages use has its Chinese."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

EN = "en"
ZH = "zh-Hans"
LANGUAGES = (EN, ZH)
LANGUAGE_NAMES = ((EN, "English"), (ZH, "中文"))

Translate = Callable[..., str]

ZH_HANS: dict[str, str] = {
    # the frame
    "Kiosk console": "自助终端管理台",
    "Sections": "栏目",
    "Fleet": "终端",
    "Payments": "支付",
    "Billers": "收费单位",
    "Rollouts": "发布",
    "Audit trail": "审计记录",
    "Alerts": "告警",
    "Signed in with the admin token": "登录所用的管理令牌",
    "Sign out": "退出",
    "Back to the fleet": "返回终端列表",
    # sign-in
    "Sign in": "登录",
    "Sign in with an admin token (kiosk-central admin-token makes one).":
        "请用管理令牌登录（由 kiosk-central admin-token 生成）。",
    "Admin token": "管理令牌",
    "Your session has ended: sign in again.": "会话已结束，请重新登录。",
    "Signed out.": "已退出。",
    "The sign-in form had expired: try again.": "登录表单已失效，请重试。",
    "Too many failed sign-ins from here: wait a few minutes.":
        "登录失败次数过多，请稍候几分钟再试。",
    "That admin token is unknown or revoked.": "该管理令牌无效或已被吊销。",
    # the fleet
    "Show": "显示",
    "Every kiosk": "全部终端",
    "Kiosks with a problem": "有问题的终端",
    "Site": "站点",
    "All sites": "全部站点",
    "Search": "搜索",
    "Kiosk, version, error": "终端、版本、错误",
    "Apply": "筛选",
    "%(n)d kiosks": "共 %(n)d 台终端",
    "All well": "正常",
    "Checked at %(time)s": "%(time)s 更新",
    "Pages": "分页",
    "Previous": "上一页",
    "Next": "下一页",
    "Kiosks %(first)d to %(last)d of %(n)d, worst first":
        "第 %(first)d 至 %(last)d 台（共 %(n)d 台），最严重的在前",
    "State": "状态",
    "Kiosk": "终端",
    "Last seen": "最近心跳",
    "Software": "软件",
    "Config": "配置",
    "Devices": "设备",
    "Outbox": "待发记录",
    "Free disk": "剩余磁盘",
    "Last error": "最近错误",
    "Online": "在线",
    "No kiosk matches.": "没有符合条件的终端。",
    "parked": "已搁置",
    "Offline": "离线",
    "Out of service": "停止服务",
    "Revoked": "已吊销",
    "Device fault": "设备故障",
    "Stuck outbox": "记录积压",
    "Failed update": "更新失败",
    "Low disk": "磁盘不足",
    "Printer": "打印机",
    "Card terminal": "刷卡机",
    "Reader": "读卡器",
    "ok": "正常",
    "fault": "故障",
    "unknown": "未知",
    "%(n)d s ago": "%(n)d 秒前",
    "%(n)d min ago": "%(n)d 分钟前",
    "%(n)d h ago": "%(n)d 小时前",
    "%(n)d days ago": "%(n)d 天前",
    # a kiosk
    "Now": "当前",
    "First seen": "首次出现",
    "Credential": "凭证",
    "revoked %(time)s": "%(time)s 已吊销",
    "expires %(time)s": "%(time)s 到期",
    "Running since": "运行自",
    "nightly restart %(window)s": "夜间重启 %(window)s",
    "Taken out of service by %(who)s since %(time)s: %(reason)s":
        "%(who)s 于 %(time)s 停止其服务：%(reason)s",
    "Switched off by a technician at the kiosk.": "技术人员已在终端上停止服务。",
    "Config keys its site file overrides": "被站点文件覆盖的配置项",
    "Pushed, but without effect on this kiosk.": "已推送，但在此终端上不生效。",
    "None.": "无。",
    "Actions": "操作",
    "Why": "原因",
    "Take out of service": "停止服务",
    "Put back in service": "恢复服务",
    "It must be enrolled again with a new token.": "之后须用新令牌重新注册。",
    "Revoke its credential": "吊销其凭证",
    "The last day": "最近一天",
    "Heartbeats over the last day": "最近一天的心跳",
    "now": "现在",
    "heartbeats": "有心跳",
    "device fault": "设备故障",
    "out of service": "停止服务",
    "silent": "无心跳",
    "Recent errors": "最近错误",
    "Error": "错误",
    "First": "首次",
    "Last": "最近",
    "Heartbeats": "心跳",
    "Refused records": "被拒记录",
    "When": "时间",
    "Kind": "类型",
    "Reason": "原因",
    "Key": "键",
    "Update history": "更新记录",
    "What": "内容",
    "Version": "版本",
    "Outcome": "结果",
    "software": "软件",
    "config": "配置",
    "%(n)d samples over the last day": "最近一天 %(n)d 个样本",
    "The kiosk is marked out of service.": "该终端已标记为停止服务。",
    "The kiosk is back in service.": "该终端已恢复服务。",
    "The kiosk's credential is revoked.": "该终端的凭证已吊销。",
    # payments
    "Payments to review": "待核查的支付",
    "Open": "待处理",
    "Settled": "已处理",
    "Export CSV": "导出 CSV",
    "Refunds due": "待退款",
    "Reconciliation differences": "对账差异",
    "Unknown bills": "未知账单",
    "Other payments to review": "其他待核查支付",
    "Reference": "编号",
    "Amount": "金额",
    "Settle": "处理",
    "Why it is settled": "处理说明",
    "Mark as settled": "标记为已处理",
    "by %(who)s, %(time)s: %(reason)s": "%(who)s，%(time)s：%(reason)s",
    "Marked as settled.": "已标记为已处理。",
    # billers
    "Biller": "收费单位",
    "Name": "名称",
    "Water": "水费",
    "Electricity": "电费",
    "Gas": "燃气费",
    "Telecom": "通信费",
    "In maintenance": "维护中",
    "Taking payments": "正常收费",
    "Switch": "切换",
    "Start maintenance": "开始维护",
    "End maintenance": "结束维护",
    "While a biller is in maintenance the kiosks cannot look up its bills; payments "
    "already made are still recorded.":
        "收费单位维护期间，终端无法查询其账单；已完成的支付仍会记录。",
    "The biller's maintenance is switched.": "已切换该收费单位的维护状态。",
}

CATALOGUES: dict[str, dict[str, str]] = {EN: {}, ZH: ZH_HANS}


def translator(lang: str) -> Translate:
    """``_("Checked at %(time)s", time=...)``: the text in ``lang`` (English when the
    catalogue lacks it), its %(name)s fields filled from the keywords."""
    catalogue = CATALOGUES.get(lang, {})

    def translate(message: str, **fields: Any) -> str:
        text = catalogue.get(message, message)
        return text % fields if fields else text

    return translate
