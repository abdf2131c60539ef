"""A matter's service guide (办事指南) as rich text for the registration and catalog screens."""

from __future__ import annotations

from html import escape

from app.domain.catalog import Matter
from app.ui.widgets import yuan


def _paragraphs(text: str) -> str:
    lines = [escape(line) for line in text.splitlines() if line.strip()]
    return "<br>".join(lines) if lines else "<span class='muted'>—</span>"


def matter_guide_html(matter: Matter) -> str:
    """The seven published items ("七公开") of the guide, compactly."""
    days = (f"承诺 {matter.promised_working_days} 个工作日"
            f"（法定 {matter.statutory_working_days} 个工作日）")
    if matter.promised_working_days == 0:
        days = "即时办结（当场办结）"
    flags = []
    if matter.site_inspection:
        flags.append("需现场核查")
    if matter.single_officer:
        flags.append("一人办结")
    if matter.joint_departments:
        flags.append("会签部门：" + "、".join(matter.joint_departments))
    if not matter.active:
        flags.append("<b style='color:#a31d1d'>已停用</b>")
    rows = []
    for number, material in enumerate(matter.materials, start=1):
        need = "必交" if material.required else (f"视情形：{material.condition}"
                                                 if material.condition else "视情形提交")
        note = f"<br><span class='muted'>{escape(material.description)}</span>" \
            if material.description else ""
        rows.append(
            f"<tr><td>{number}</td><td>{escape(material.name)}{note}</td>"
            f"<td>{material.form.label}</td><td align='center'>{material.copies}</td>"
            f"<td>{need}</td></tr>"
        )
    materials = (
        "<table class='grid' width='100%' cellspacing='0' cellpadding='3'>"
        "<tr><th>序号</th><th>材料名称</th><th>形式</th><th>份数</th><th>要求</th></tr>"
        + "".join(rows) + "</table>"
    ) if rows else "<span class='muted'>无需提交材料</span>"
    fees = "<br>".join(
        f"{escape(fee.name)}：{yuan(fee.amount_fen)}（依据：{escape(fee.basis)}）"
        for fee in matter.fee_items
    ) or "不收费"
    return f"""
<style>
 h3 {{ margin: 0 0 4px 0; }}
 .muted {{ color: #6b7785; }}
 .label {{ color: #44505c; font-weight: 600; }}
 table.grid {{ border-collapse: collapse; }}
 table.grid th {{ background: #eef2f6; text-align: left; }}
 table.grid td, table.grid th {{ border: 1px solid #d6dde5; }}
</style>
<h3>{escape(matter.name)}</h3>
<p class='muted'>{escape(matter.code)} · {escape(matter.department_name)} ·
{matter.matter_type.label} · {matter.case_type.label} · {days}{' · ' + ' · '.join(flags) if flags else ''}</p>
<p><span class='label'>设定依据</span><br>{_paragraphs(matter.legal_basis)}</p>
<p><span class='label'>申请条件</span><br>{_paragraphs(matter.conditions)}</p>
<p><span class='label'>办理流程</span><br>{_paragraphs(matter.procedure)}</p>
<p><span class='label'>申请材料</span></p>{materials}
<p><span class='label'>收费标准</span><br>{fees}</p>
"""


# --- the user guide (F1) ------------------------------------------------------------

# One page per screen, keyed as the main window's navigation (and "case" for the case
# page). Short: what the screen is for, the usual steps, and the traps.
USER_GUIDE: list[tuple[str, str, str]] = [
    ("register", "受理登记", """
<p>窗口受理员在此为申请人登记办件。</p>
<ol>
<li>在左侧输入事项名称、编码或拼音首字母（如“gtgshdj”），选中事项，右侧显示办事指南。</li>
<li>填写申请人：自然人填姓名和身份证号，法人填名称和统一社会信用代码；代办时勾选“代理人”，系统自动加入授权委托书。</li>
<li>逐项勾选已收到的材料，核对形式和份数。</li>
<li>材料齐全且符合法定形式：点“受理”，打印受理通知书和材料接收凭证。</li>
<li>材料不全：点“一次性告知”，一次列明全部需补正的材料。</li>
<li>不属于本机关职权或依法不予受理：点“不予受理”，写明理由，告知复议和诉讼权利。</li>
</ol>
<p>受理、一次性告知和不予受理的通知书当场加盖本窗口的受理专用章：确认时输入本人登录密码。</p>
<p>提示：下拉框和数字框只有点入后才响应滚轮；离开未完成的表单会先询问。</p>
"""),
    ("intake", "咨询与预约", """
<p>申请人还没有提出申请时，在此记录咨询和预约。</p>
<ol>
<li>咨询登记：选中事项（右侧同时显示办事指南），填写告知的内容，咨询人姓名和电话可不填；保存后本人即为首问负责人，计入当月考核。</li>
<li>点“打印办事指南”，把事项的依据、条件、程序、全部材料（形式和份数）、时限、收费及依据、办理地点和时间打印在一页纸上，一次性告知。</li>
<li>咨询人当场申请的，选中该咨询点“转为受理登记”，事项和咨询人信息带入受理登记页。</li>
<li>预约：选日期查看当天预约；“新增预约”按窗口、事项和时段登记窗口或电话预约，每个时段有人数上限；非工作日只能预约周末服务或上门服务，17:30以后为延时服务。</li>
<li>预约人到达后选中预约点“到达并登记”，事项、姓名、电话和服务方式带入受理登记页。</li>
</ol>
<p>代办台账：输入代办员姓名和登记期间，打印该代办员的“一本台账”（收取材料、每次交接、办理结果和通知、原件遗失情况）。代办件的每次材料交接在办件页“材料交接”登记，双方当面清点原件份数；办结后“通知村民”登记电话或短信通知。</p>
<p>容缺受理、告知承诺和联合踏勘在办件页办理：办事指南列明可容缺或可告知承诺的材料时，办件页出现“打印承诺书”和“容缺/承诺受理”。</p>
"""),
    ("search", "办件查询", """
<p>按受理编号、申请人姓名或拼音首字母（如“zs”找张三）、证件号码或其末4位、联系电话、事项名称查找办件。</p>
<p>可按状态、办件类型、部门、登记日期（本地日期）和预警筛选；点表头排序。双击或按 Enter 打开办件。</p>
<p>列表中证件号码隐去中间位；输入的 % 和 _ 按普通字符查找。</p>
"""),
    ("review", "待我审查", """
<p>本部门已受理、等待审查的办件，期限最近的在前。</p>
<p>选中办件，写审查意见，选择“符合”或“不符合”后提交。审查人不能再核准同一办件（一审一核）。</p>
"""),
    ("approve", "待我核准", """
<p>首席代表的第一项工作：已审查、等待核准的办件。</p>
<p>阅读审查意见后“准予”或“不予”；不予许可须写明理由和依据。确认前会列出办件和将出具的文书，按 Enter 确认。核准后到“用印”加盖审批专用章，用印时间即办结时间。</p>
"""),
    ("seal", "用印", """
<p>列出所有等待加盖审批专用章的办件：已核准的决定书（或办结、不予办理告知书），以及启用窗口盖章之前受理或不予受理、通知书尚未盖章的办件。</p>
<p>选中办件和文书，可先“预览草稿”；输入本人登录密码确认用印。每次用印都记入用印登记簿，不可撤销。</p>
"""),
    ("warnings", "预警督办", """
<p>电子监察的工作台：在办且临近期限（黄牌）或已超期（红牌）的办件，最紧急的在前。</p>
<p>行政许可申请收到材料后5个工作日内未作受理、不予受理或一次性告知决定的，标为“受理逾期”并计入红牌（行政许可法第三十二条：逾期不告知的，自收到申请材料之日起即为受理）；鼠标停在预警栏上可看到受理决定期限。</p>
<p>可只看红牌、黄牌、受理逾期或容缺材料逾期，按部门筛选；双击打开办件查看进度和经办人。黄牌提前天数在“系统管理 → 设置”中设定。</p>
"""),
    ("statistics", "统计", """
<p>按月（本地日期）统计各窗口、各人员的收件、办结、按时办结、超期、退回和好差评。</p>
<p>按时办结率把仍未办结但已超期的办件计入分母。可导出 Excel 或 PDF。</p>
"""),
    ("audit", "审计记录", """
<p>系统中每一项操作（办件环节、登录、人员和设置变更、文书出具）都记入审计链，每条与上一条以哈希相连。</p>
<p>按人员、受理编号（完整编号）、日期筛选；一次最多显示最新 500 条。点“校验审计链”检查记录是否被删改。</p>
"""),
    ("complaints", "投诉与差评", """
<p><b>投诉</b>：投诉窗口、投诉电话、意见箱和网上收到的投诉在此登记，写明被投诉的窗口、人员或办件；答复期限按“系统管理 → 设置”的工作日数自登记日起算。交办承办人调查核实（被投诉人不能承办），登记核实结论（属实、部分属实、不属实），在期限内答复投诉人并登记其反馈。实名投诉必须答复；匿名投诉核实后登记办结。</p>
<p><b>差评回访整改</b>：每一条“不满意”“非常不满意”评价都要回访；问题属实的下达整改、限期登记整改结果。首席代表可对误评、恶意差评申诉一次，由电子监察决定；申诉成立的评价不计入考核。投诉和差评的处理情况计入月度考核。</p>
"""),
    ("reports", "季通报与年综合", """
<p>选择季度或年度后“生成”：各窗口、各人员在期间内的收件、办结、按时办结率、好差评、差评回访整改和投诉，期间数为各月之和，超期未办结为期末数。</p>
<p>“红旗窗口参考排名”“先进工作者参考排名”按按时办结率、投诉属实（少者在前）、满意率、办结量排序，供管理员评选时参考；考勤未在本系统记录。可导出 Excel（含图表）或 PDF。</p>
"""),
    ("public_results", "办理结果公告", """
<p>列出已办结的准予结果（以及设置为公示的不予结果），供大厅显示屏和网站公告。“大厅显示屏”全屏显示，每分钟自动刷新，按 Esc 退出；“导出网页”“导出 CSV”供网站发布。</p>
<p>管理员在下方逐项设置公示内容：是否公示、是否含不予结果、申请人如何显示。默认不公示申请人；个人姓名只显示姓氏（张*），身份证号、电话、住址从不公示。</p>
"""),
    ("archive", "办件归档", """
<p>选择办结日期范围和存放位置，“批量归档”把期间办结且未归档的办件各归为一个归档包（以档号命名的 ZIP）：办理事件、出具的文书、申请材料附件、用印登记、审计证明和 SHA-256 校验清单。进度条显示已归档件数，可随时“停止”。</p>
<p>“校验归档包”检查包内每个文件与校验清单是否一致、办理记录能否重放、文书是否为本件用印所出；改动一个字节即不能通过。没有本程序数据的电脑上也可运行 python -m app archive verify 归档包.zip。</p>
"""),
    ("catalog", "事项目录", """
<p>本中心的办事指南：设定依据、申请条件、办理流程、申请材料、承诺时限、收费标准。</p>
<p>管理员可新增、修改或停用事项；修改后新办件使用新版本，已登记的办件保留登记时的指南。</p>
"""),
    ("admin", "系统管理", """
<p><b>人员与角色</b>：添加工作人员；选中后可“编辑”姓名、角色、部门、窗口；离职或调离的人员“停用”（不删除，办件和审计记录保留其姓名）；账户被锁定时“解除锁定”；忘记密码时“重置密码”，本人下次登录须改为新密码。每项操作都记入审计。</p>
<p><b>部门</b>：机关代字、文号格式（编辑时显示预览）、复议机关和诉讼法院。</p>
<p><b>印章</b>：登记印章、保管人，打印用印登记簿。<b>节假日</b>：发布每年的工作日历。<b>设置</b>：站点信息、空闲锁屏、登记到县中心服务器。</p>
"""),
    ("case", "办件详情", """
<p>一个办件的全部信息：申请人、材料、期限、每个环节及经办人、已出具的文书。</p>
<p>上方按钮是您此刻可办理的操作；文书可预览、打印、另存为 PDF 或 Word（已盖章文书的 Word 仅为参考副本，以 PDF 为准）。</p>
<p><b>当场办结</b>：事项目录标明“一人办结”的即办件，由部门授权的窗口人员（管理员在人员角色中勾选“即办件授权（一人办结）”）受理后点“当场办结”，一次完成审查、核准、加盖本窗口用章（双章制“2”，无则审批专用章）出具决定书，并出具送达回证交申请人签收；输入本人登录密码确认。</p>
"""),
]


def user_guide_html(key: str) -> str:
    """The guide page of one screen, with its title."""
    for page_key, title, body in USER_GUIDE:
        if page_key == key:
            return f"<h2>{escape(title)}</h2>{body}"
    return ""
