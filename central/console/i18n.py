"""The console's words in English and Chinese (zh-Hans): a catalogue keyed by the English
text, as gettext's msgids are. Two languages and about 250 short strings: a dictionary
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
    "The kiosk obeys: it shows its out-of-service screen.": "终端已执行：正显示暂停服务画面。",
    "Not yet obeyed: the kiosk takes the mark at its next heartbeat, once nobody is using it.":
        "尚未执行：终端将在下次心跳、且无人使用时执行。",
    "Lifted: the kiosk serves again at its next heartbeat, once nobody is using it.":
        "已解除：终端将在下次心跳、且无人使用时恢复服务。",
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
    # rollouts
    "Config and software rollouts, newest first. Open one to pause, resume, cancel it or "
    "retry its failed kiosks.":
        "配置与软件发布，最新的在前。打开一项即可暂停、继续、取消，或重试失败的终端。",
    "Rollout": "发布",
    "Target": "目标",
    "Wave": "批次",
    "Kiosks": "终端",
    "Window": "维护时段",
    "Wave deadline": "批次时限",
    "Created": "创建时间",
    "Changed": "变更时间",
    "Any time": "不限时段",
    "No rollout yet.": "暂无发布。",
    "%(k)d of %(n)d": "第 %(k)d 批 / 共 %(n)d 批",
    "%(kind)s rollout %(id)d": "%(kind)s发布 #%(id)d",
    "%(p)d%% of the kiosks each": "每批 %(p)d%% 的终端",
    "%(spent)s used by the current wave": "当前批次已用 %(spent)s",
    "a wave passes at %(ok)d%% applied, halts at %(bad)d%% failed":
        "一批达到 %(ok)d%% 成功即通过，达到 %(bad)d%% 失败即中止",
    "Thresholds": "阈值",
    "Running": "进行中",
    "Paused": "已暂停",
    "Halted": "已中止",
    "Completed": "已完成",
    "Cancelled": "已取消",
    "Pending": "待定",
    "Applied": "已应用",
    "Failed": "失败",
    "Timed out": "超时",
    "Done": "已完成",
    "Current": "当前",
    "Waiting": "等待中",
    "Pause": "暂停",
    "Resume": "继续",
    "Cancel": "取消",
    "Retry the failed": "重试失败的终端",
    "Kiosks not yet given it never get it; this cannot be undone.":
        "尚未收到的终端将不再收到；此操作无法撤销。",
    "Waves": "批次",
    "Wave %(k)d": "第 %(k)d 批",
    "Reported": "上报",
    "Given": "下发时间",
    "Report time": "上报时间",
    "Attempt": "尝试次数",
    "No kiosk matches its target yet.": "目前没有符合目标的终端。",
    "Who changed what": "变更记录",
    "Who": "操作人",
    "Detail": "详情",
    "Refused: the rollout is %(state)s now.": "已拒绝：该发布当前状态为%(state)s。",
    "Tick the box to confirm the cancel: it cannot be undone.":
        "请勾选确认后再取消：此操作无法撤销。",
    "The rollout is paused.": "发布已暂停。",
    "The rollout runs again.": "发布已继续。",
    "The rollout is cancelled.": "发布已取消。",
    "The failed kiosks are offered the rollout again.": "已向失败的终端重新下发。",
    # refused forms and pages (central/console/refusals.py, pages.py)
    "Refused": "已拒绝",
    "Back": "返回",
    "Say why the kiosk is taken out of service.": "请说明停用该终端的原因。",
    "Tick the box to confirm: the kiosk must then be enrolled again.":
        "请勾选确认：之后该终端须重新注册。",
    "Maintenance is either on or off: reload the page.": "维护只能开启或关闭：请刷新页面。",
    "Say why it is settled.": "请说明结清的原因。",
    "No such payment to review: it may have been settled or removed since the page was "
    "shown.": "没有这笔待复核的支付：页面显示后它可能已被结清或移除。",
    "Refused: it is settled already.": "已拒绝：该笔已结清。",
    "The form had expired or did not come from this console: reload the page and try "
    "again.": "表单已失效或并非来自本管理台：请刷新页面后重试。",
    "There is no such page, or what it names does not exist (any more).":
        "没有这个页面，或其所指的对象不存在（或已不存在）。",
    "Refused: it no longer applies. The page shows how things stand now.":
        "已拒绝：此操作已不适用。页面显示当前状态。",
    "Refused: a value in the form or the address is not valid.":
        "已拒绝：表单或地址中的某个值无效。",
    "Refused: the console could not do this.": "已拒绝：管理台无法执行此操作。",
    # the audit trail
    "token label or kiosk": "令牌标签或终端",
    "Action starts with": "操作前缀",
    "Action": "操作",
    "Any": "全部",
    "From": "起始",
    "Before": "截止",
    "Clear the filters": "清除筛选",
    "Export JSON lines": "导出 JSON Lines",
    "Verify the chain": "校验哈希链",
    "The chain holds: %(n)d events checked; head %(seq)d":
        "哈希链完好：已校验 %(n)d 条事件；链头 %(seq)d",
    "The chain is broken at event %(seq)d: %(how)s.": "哈希链在第 %(seq)d 条事件处断开：%(how)s。",
    "Show it": "查看",
    "No event matches.": "没有符合条件的事件。",
    "Newest": "最新",
    "Older": "更早",
    "altered": "被篡改",
    "deleted": "被删除",
    "reordered": "顺序被改动",
    "refused": "已拒绝",
    "failed": "失败",
    "admin": "管理员",
    "kiosk": "终端",
    "system": "系统",
    # alerts
    "Open, then cleared": "未解除在前，已解除在后",
    "Open: %(n)d": "未解除：%(n)d",
    "Alerts: %(n)d": "告警：%(n)d",
    "Cleared": "已解除",
    "Since": "开始于",
    "Webhook": "Webhook 推送",
    "no webhook": "未配置 Webhook",
    "raised": "触发",
    "cleared": "解除",
    "sending": "发送中",
    "delivered": "已送达",
    "it ended": "已恢复",
    "maintenance": "维护",
    "revoked": "已吊销",
    "Kiosk offline": "终端离线",
    "Paper low": "纸将用完",
    "Paper out": "缺纸",
    "Rollout halted": "发布中止",
    "Outbox growing": "待发记录增长",
    "In maintenance since %(time)s: its alerts are silenced.":
        "自 %(time)s 起维护中：其告警已静默。",
    "Maintenance note": "维护说明",
    "e.g. printer replaced today": "例如：今天更换了打印机",
    "Mark in maintenance": "标记为维护中",
    "Its alerts are silenced until the mark is taken off.": "取消标记前，其告警均被静默。",
    "The kiosk is marked in maintenance: its alerts are silenced.":
        "该终端已标记为维护中，其告警已静默。",
    "The kiosk's maintenance mark is taken off.": "已取消该终端的维护标记。",

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
