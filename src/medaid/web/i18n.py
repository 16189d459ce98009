"""The message catalog: every user-visible page string, Chinese first, English second.

Templates call ``t("key")``; the language comes from the ``lang`` cookie (default zh). A missing
key shows the key itself, and a test checks that every key used in the templates is here.
"""

from __future__ import annotations

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

MESSAGES: dict[str, tuple[str, str]] = {
    "app.name": ("医疗救助一体化平台", "Medical assistance platform"),
    "nav.home": ("首页", "Home"),
    "nav.loads": ("数据导入", "Data loads"),
    "nav.jobs": ("后台任务", "Jobs"),
    "nav.people": ("乡镇人员", "People by township"),
    "nav.audit": ("审计日志", "Audit log"),
    "nav.logout": ("退出", "Sign out"),
    "lang.switch": ("English", "中文"),
    "login.title": ("登录", "Sign in"),
    "login.username": ("用户名", "Username"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Sign in"),
    "login.hint": ("仅限授权人员使用，所有操作均记录审计日志。", "Authorised staff only; every action is audit-logged."),
    "home.title": ("数据概览", "Overview"),
    "home.rows": ("各数据表记录数", "Rows per contract table"),
    "home.recent": ("最近导入", "Recent loads"),
    "home.no_loads": ("尚未导入数据。", "No data loaded yet."),
    "home.welcome": ("欢迎", "Welcome"),
    "role": ("角色", "Role"),
    "scope": ("范围", "Scope"),
    "col.id": ("编号", "ID"),
    "col.kind": ("数据类型", "Kind"),
    "col.file": ("文件", "File"),
    "col.status": ("状态", "Status"),
    "col.read": ("读取", "Read"),
    "col.accepted": ("接收", "Accepted"),
    "col.rejected": ("拒收", "Rejected"),
    "col.started": ("开始时间", "Started"),
    "col.actor": ("操作人", "By"),
    "col.message": ("说明", "Message"),
    "col.row": ("行号", "Row"),
    "col.field": ("字段", "Field"),
    "col.reason": ("原因", "Reason"),
    "col.rows": ("记录数", "Rows"),
    "col.township": ("乡镇代码", "Township"),
    "col.people": ("人数", "People"),
    "col.id_number": ("身份证号（脱敏）", "ID number (masked)"),
    "col.name": ("姓名", "Name"),
    "col.sex": ("性别", "Sex"),
    "col.birth": ("出生日期", "Birth date"),
    "col.household": ("户编号", "Household"),
    "col.village": ("村（社区）", "Village"),
    "col.seq": ("序号", "Seq"),
    "col.at": ("时间（UTC）", "Time (UTC)"),
    "col.action": ("操作", "Action"),
    "col.subject": ("对象", "Subject"),
    "col.detail": ("详情", "Detail"),
    "col.progress": ("进度", "Progress"),
    "loads.title": ("数据导入", "Data loads"),
    "loads.upload": ("上传数据文件", "Upload a contract file"),
    "loads.upload_hint": ("文件名须为数据规范中的类型，如 persons.csv、claims.xlsx。",
                          "The file name must be a contract kind, e.g. persons.csv or claims.xlsx."),
    "loads.submit": ("上传并导入", "Upload and load"),
    "loads.rejects": ("拒收记录", "Rejected rows"),
    "loads.download_rejects": ("下载拒收明细（Excel）", "Download rejects (Excel)"),
    "loads.no_rejects": ("没有拒收记录。", "No rejected rows."),
    "loads.back": ("返回导入列表", "Back to loads"),
    "jobs.title": ("后台任务", "Background jobs"),
    "jobs.job": ("任务", "Job"),
    "jobs.running": ("正在处理……", "Working…"),
    "jobs.succeeded": ("完成", "Finished"),
    "jobs.failed": ("失败", "Failed"),
    "jobs.queued": ("排队中", "Queued"),
    "jobs.result": ("导入结果", "Load result"),
    "jobs.none": ("暂无任务。", "No jobs yet."),
    "people.title": ("乡镇人员名单", "People by township"),
    "people.total": ("共", "Total"),
    "people.choose": ("选择乡镇", "Choose a township"),
    "people.more": ("仅显示前 100 条", "Showing the first 100"),
    "audit.title": ("审计日志", "Audit log"),
    "audit.verify_ok": ("审计链完整", "Audit chain intact"),
    "audit.verify_bad": ("审计链被篡改", "Audit chain broken"),
    "error.title": ("出错了", "Something went wrong"),
    "error.home": ("返回首页", "Back to the start page"),
}


def register(messages: dict[str, tuple[str, str]]) -> None:
    """Add an area's messages (called at import by its route module); a key may be defined once."""
    clash = sorted(set(messages) & set(MESSAGES))
    if clash:
        raise ValueError(f"message keys defined twice: {clash}")
    MESSAGES.update(messages)


def translate(key: str, lang: str) -> str:
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]
