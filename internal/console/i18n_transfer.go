package console

import "maps"

// messages is the console's catalogue: key → {English, Chinese}. It is
// kept in parts by subject; joinCatalogues refuses a key given twice, so a
// part cannot quietly replace another's text.
var messages = joinCatalogues(coreMessages, transferMessages, accessMessages, lifecycleMessages, governanceMessages, adminMessages, codeMessages)

func joinCatalogues(parts ...map[string][2]string) map[string][2]string {
	out := map[string][2]string{}
	for _, p := range parts {
		for k := range p {
			if _, dup := out[k]; dup {
				panic("console: message " + k + " is in two catalogues")
			}
		}
		maps.Copy(out, p)
	}
	return out
}

// transferMessages are the texts of the export and import pages.
var transferMessages = map[string][2]string{
	"nav.exports":        {"Exports", "导出"},
	"nav.exportsettings": {"Export controls", "导出管控"},
	"customers.export":   {"Export", "导出"},
	"customers.import":   {"Import", "导入"},

	"export.title":       {"Export customers", "导出客户"},
	"export.intro":       {"The file holds the customers you may export that match the filter, with the fields you choose. Fields masked for you are exported masked. A large export waits for an approver; the file can then be downloaded a few times within a limited time, and every step is recorded in the audit trail.", "文件包含符合筛选条件、您有权导出的客户，以及您选择的字段。对您脱敏的字段按脱敏值导出。数据量大的导出需经审批；生成的文件只能在限定时间内下载有限次数，每一步均记入审计记录。"},
	"export.filter":      {"Filter", "筛选条件"},
	"export.filter.none": {"All customers you may export", "您有权导出的全部客户"},
	"export.filter.hint": {"The filter of the customer list you came from. To change it, go back and filter the list.", "即您来自的客户列表的筛选条件。如需修改，请返回列表重新筛选。"},
	"export.format":      {"Format", "格式"},
	"export.fields":      {"Fields", "字段"},
	"export.fields.hint": {"Every export also holds the customer's id, owner, creation and last-activity times. If no field is ticked, every field you can see is exported.", "每个导出文件都包含客户编号、负责人、创建时间和最近跟进时间。如未勾选任何字段，则导出您可见的全部字段。"},
	"export.masked":      {"exported masked", "按脱敏值导出"},
	"export.reason":      {"Reason", "导出原因"},
	"export.reason.hint": {"What the file is for. An approver reads it, and it is kept in the audit trail.", "说明文件用途。审批人会看到，并记入审计记录。"},
	"export.submit":      {"Request export", "提交导出"},

	"exports.title":           {"Exports", "导出"},
	"exports.intro":           {"Your exports and their files. A file can be downloaded only by the person who asked for it, a limited number of times, until its link expires.", "您的导出及其文件。文件只能由申请人下载，次数有限，且链接到期后失效。"},
	"exports.new":             {"New export from the customer list", "从客户列表新建导出"},
	"exports.mine":            {"My exports", "我的导出"},
	"exports.none":            {"You have not exported anything yet. Start from the customer list: filter it, then choose Export.", "您还没有导出记录。请在客户列表中筛选后点击“导出”。"},
	"exports.requested":       {"Requested", "申请时间"},
	"exports.status":          {"Status", "状态"},
	"exports.progress":        {"Rows written", "已写入行数"},
	"exports.expires":         {"Link expires", "链接到期"},
	"exports.left":            {"Downloads left", "剩余下载次数"},
	"exports.download":        {"Download", "下载"},
	"exports.pending":         {"Waiting for approval", "待审批"},
	"exports.pending.none":    {"No export is waiting for approval.", "没有待审批的导出。"},
	"exports.requester":       {"Requested by", "申请人"},
	"exports.rows":            {"Rows", "行数"},
	"exports.decision":        {"Decision", "审批"},
	"exports.decision.reason": {"Reason (needed to refuse)", "理由（拒绝时必填）"},
	"exports.approve":         {"Approve", "批准"},
	"exports.refuse":          {"Refuse", "拒绝"},
	"exports.own":             {"Your own request: another approver decides.", "这是您自己的申请，须由其他审批人审批。"},

	"exportstatus.pending_approval": {"waiting for approval", "待审批"},
	"exportstatus.queued":           {"queued", "排队中"},
	"exportstatus.running":          {"running", "生成中"},
	"exportstatus.done":             {"ready", "可下载"},
	"exportstatus.failed":           {"failed", "失败"},
	"exportstatus.refused":          {"refused", "已拒绝"},
	"exportstatus.expired":          {"expired", "已过期"},
	"exportfail.export_right_lost":  {"You lost the right to export this, or one of its fields, before it ran.", "导出运行前，您已失去导出权限或其中某个字段的权限。"},
	"exportfail.internal":           {"The export could not be written; ask an administrator.", "导出文件生成失败，请联系管理员。"},

	"done.export.queued":   {"Export queued. The file is being written; this page shows its progress.", "导出已排队，文件正在生成；本页显示进度。"},
	"done.export.pending":  {"The export is larger than your organisation allows without approval. It waits for an approver.", "导出数据量超过无需审批的上限，正在等待审批。"},
	"done.export.approved": {"Export approved. It runs now.", "导出已批准，正在运行。"},
	"done.export.refused":  {"Export refused. The requester sees your reason.", "导出已拒绝，申请人可看到您的理由。"},

	"exportsettings.title":                   {"Export controls", "导出管控"},
	"exportsettings.intro":                   {"How much may leave at once, and how long a file stays downloadable. Changes apply to exports requested from now on.", "一次最多可导出多少数据，以及文件可下载多久。修改对此后申请的导出生效。"},
	"exportsettings.settings":                {"Settings", "设置"},
	"exportsettings.approval_threshold":      {"Approval above (rows)", "超过多少行需审批"},
	"exportsettings.approval_threshold.hint": {"An export of more rows waits for a holder of approve_exports; 0 makes every export wait.", "超过此行数的导出须由拥有导出审批权限者批准；设为 0 则所有导出都需审批。"},
	"exportsettings.link_hours":              {"Link lifetime (hours)", "链接有效期（小时）"},
	"exportsettings.link_hours.hint":         {"From 1 to 720.", "1 至 720。"},
	"exportsettings.max_downloads":           {"Downloads per file", "每个文件可下载次数"},
	"exportsettings.max_downloads.hint":      {"From 1 to 100.", "1 至 100。"},
	"exportsettings.limits":                  {"Most rows per export, by role", "各角色单次导出行数上限"},
	"exportsettings.limits.hint":             {"Empty means no limit. A user's limit is the most generous of their roles that may export.", "留空表示不限。用户的上限取其有导出权限的各角色中最宽的一个。"},
	"exportsettings.save":                    {"Save export controls", "保存导出管控"},
	"done.exportsettings":                    {"Export controls saved. They apply to exports requested from now on.", "导出管控已保存，对此后申请的导出生效。"},

	"import.title":           {"Import customers", "导入客户"},
	"import.intro":           {"Bring customers in from a CSV or Excel file, each with at most one contact. They become yours. Check a file with a dry run first: it writes nothing and reports every problem.", "从 CSV 或 Excel 文件导入客户，每行最多附带一个联系人，导入的客户归您负责。建议先试运行：不写入任何数据，但会报告全部问题。"},
	"import.upload":          {"Upload a file", "上传文件"},
	"import.mode":            {"Mode", "方式"},
	"import.file":            {"File", "文件"},
	"import.file.hint":       {"CSV (UTF-8 or GBK) or XLSX, at most 50 MB and 100,000 rows.", "CSV（UTF-8 或 GBK 编码）或 XLSX，最大 50 MB、10 万行。"},
	"import.submit":          {"Import", "导入"},
	"import.template":        {"Download a template", "下载模板"},
	"import.columns":         {"The first row names the columns: field names or labels (custom fields too), and contact_name, contact_title, contact_phone, contact_email for a contact. The template holds the columns you may fill. A name column is needed; a file with a column you may not fill is refused as a whole.", "第一行为列名：字段名或字段名称（含自定义字段），联系人列为 contact_name、contact_title、contact_phone、contact_email。模板只包含您有权填写的列。必须有名称列；含有您无权填写的列的文件将被整体拒绝。"},
	"import.runs":            {"My imports", "我的导入"},
	"import.none":            {"You have not imported anything yet.", "您还没有导入记录。"},
	"import.rows":            {"Rows read", "读取行数"},
	"import.created":         {"Customers imported", "导入客户数"},
	"import.contacts":        {"Contacts imported", "导入联系人数"},
	"import.errors":          {"Rows with errors", "有错误的行"},
	"import.errors.none":     {"No row has an error.", "没有行出错。"},
	"import.duplicates":      {"Duplicates, skipped", "重复行（已跳过）"},
	"import.duplicates.none": {"No duplicates.", "没有重复行。"},
	"import.encoding":        {"Text encoding", "文本编码"},
	"import.counts":          {"Counts", "统计"},
	"import.row":             {"Row", "行号"},
	"import.column":          {"Column", "列"},
	"import.problem":         {"Problem", "问题"},
	"import.more":            {"%d more rows have errors; correct these and run the file again to see them.", "另有 %d 行有错误；请先修正以上错误，再次运行后查看。"},
	"import.same":            {"Same as", "与之重复"},
	"import.same.row":        {"row %d of the file", "文件第 %d 行"},
	"import.same.customer":   {"existing customer #%d", "已有客户 #%d"},
	"import.back":            {"Back to imports", "返回导入"},
	"import.see":             {"See the new customers", "查看新导入的客户"},
	"import.report.title":    {"Import imp_%d", "导入 imp_%d"},
	"import.outcome.dry_run": {"Dry run: nothing was written. %d rows would be imported; %d have errors and %d are duplicates.", "试运行：未写入任何数据。将导入 %d 行；%d 行有错误，%d 行重复。"},
	"import.outcome.failed":  {"Nothing was written: %d rows have errors. Correct them and import the file again.", "未写入任何数据：%d 行有错误。请修正后重新导入。"},
	"import.outcome.done":    {"%d customers and %d contacts were imported.", "已导入 %d 个客户和 %d 个联系人。"},
	"import.outcome.running": {"This import has not finished.", "此次导入尚未完成。"},

	"importmode.dry_run": {"Dry run", "试运行"},
	"importmode.all":     {"All or nothing", "全部或全不"},
	"importmode.per_row": {"Good rows only", "仅正确的行"},
	"import.mode.hint":   {"A dry run checks every row and writes nothing. All or nothing writes the file only if every row is right. Good rows only writes those and reports the rest.", "试运行检查每一行但不写入。全部或全不：所有行都正确才写入。仅正确的行：写入正确的行，报告其余行。"},

	"importstatus.running": {"running", "运行中"},
	"importstatus.done":    {"done", "完成"},
	"importstatus.failed":  {"nothing written", "未写入"},

	"err.export_row_limit":     {"", "此导出共 %s 行，您的角色最多允许导出 %s 行；请缩小筛选范围。"},
	"err.field_not_readable":   {"", "此字段对您隐藏，不能导出或用于筛选。"},
	"err.own_export":           {"", "任何人都不能审批自己的导出。"},
	"err.not_export_owner":     {"", "只有申请人可以下载导出文件。"},
	"err.download_unavailable": {"", "文件尚未生成、已过期或下载次数已用完。"},
	"err.export_not_pending":   {"", "此导出已不在待审批状态。"},
	"err.invalid_format":       {"", "文件须为 CSV 或 XLSX 格式。"},
	"err.unknown_column":       {"", "文件中有无法识别的列名；请使用字段名或字段名称。"},
	"err.duplicate_column":     {"", "文件中有两列对应同一字段。"},
	"err.missing_column":       {"", "文件须包含名称列。"},
	"err.malformed_file":       {"", "文件已损坏或格式不正确，无法读取。"},
	"err.empty_file":           {"", "文件中没有数据行。"},
	"err.file_too_large":       {"", "文件超过 %s 字节的上限。"},
	"err.too_many_rows":        {"", "第 %s 行：数据行数超过 %s 行的上限。"},
	"err.too_many_columns":     {"", "第 %s 行有 %s 列，超过 %s 列的上限。"},
	"err.cell_too_long":        {"", "第 %s 行有单元格超过 %s 个字符。"},
	"err.formula_cell":         {"", "单元格内容会被表格软件当作公式执行，已拒绝。"},
}
