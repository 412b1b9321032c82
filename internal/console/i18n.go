package console

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"golang.org/x/text/language"

	"steward/internal/errs"
)

// lang is a language the console is written in.
type lang int

const (
	english lang = iota
	chinese
)

// tag is the BCP 47 tag of the language, for <html lang> and the cookie.
func (l lang) tag() string {
	if l == chinese {
		return "zh-CN"
	}
	return "en"
}

func parseLang(s string) (lang, bool) {
	switch s {
	case "en":
		return english, true
	case "zh-CN":
		return chinese, true
	}
	return english, false
}

var matcher = language.NewMatcher([]language.Tag{language.English, language.SimplifiedChinese})

// langOf is the language of a request: the cookie set by the language
// switch, else the browser's Accept-Language, else English.
func langOf(r *http.Request) lang {
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := parseLang(c.Value); ok {
			return l
		}
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return english
	}
	if _, i, conf := matcher.Match(tags...); i == 1 && conf != language.No {
		return chinese
	}
	return english
}

// text returns the message for key in the language. A key missing from the
// catalogue shows as [[key]], which the tests look for in every page.
func (l lang) text(key string) string {
	m, ok := messages[key]
	if !ok {
		return "[[" + key + "]]"
	}
	return m[l]
}

func (l lang) textf(key string, args ...any) string {
	return fmt.Sprintf(l.text(key), args...)
}

// errText is the message of an error in the language. The service writes
// its messages in English; the codes whose meaning is plain from the code
// and field are translated here, the rest are shown as the service wrote them.
func (l lang) errText(e *errs.Error) string {
	if l == english {
		return e.Message
	}
	m, ok := messages["err."+e.Code]
	if !ok {
		return e.Message
	}
	n := strings.Count(m[l], "%s")
	if n == 0 {
		return m[l]
	}
	// The translation names the numbers of the English message (a length,
	// a range); if they are not all there, the English says it better.
	nums := numberRE.FindAllStringSubmatch(e.Message, -1)
	if len(nums) != n {
		return e.Message
	}
	args := make([]any, n)
	for i, x := range nums {
		args[i] = x[1] + units[strings.TrimSuffix(x[2], "s")]
	}
	return fmt.Sprintf(m[l], args...)
}

// numberRE finds the numbers of a service message, with the unit of a
// duration (authn writes bounds as "5 minutes", "12 hours").
var numberRE = regexp.MustCompile(`([0-9]+)(?: (minutes?|hours?)\b)?`)

var units = map[string]string{"minute": " 分钟", "hour": " 小时"}

// factText translates the engine's explanation of a grant path. The engine
// writes a small fixed set of English sentences; anything else (a rule's
// name, say) is shown as written.
func (l lang) factText(fact string) string {
	if m, ok := messages["fact."+fact]; ok {
		return m[l]
	}
	if l == chinese {
		if name, ok := strings.CutPrefix(fact, "the record matches sharing rule "); ok {
			return "记录符合共享规则 " + name
		}
		if name, ok := strings.CutPrefix(fact, "the record matches restriction rule "); ok {
			return "记录符合限制规则 " + name
		}
		if who, ok := strings.CutPrefix(fact, "shared with your "); ok {
			return "已共享给您的" + l.text("principal."+who)
		}
	}
	return fact
}

// coreMessages is most of the console's catalogue: key → {English, Chinese}.
var coreMessages = map[string][2]string{
	"app.name":           {"Steward", "Steward"},
	"skip":               {"Skip to content", "跳到正文"},
	"nav.label":          {"Main", "主导航"},
	"nav.customers":      {"Customers", "客户"},
	"nav.matrix":         {"Permission matrix", "权限矩阵"},
	"nav.pools":          {"Pools", "公海"},
	"nav.rules":          {"Rules", "共享与限制规则"},
	"nav.admin":          {"Org & users", "组织与用户"},
	"nav.audit":          {"Audit", "审计"},
	"nav.signout":        {"Sign out", "退出"},
	"nav.language":       {"Language", "语言"},
	"nav.signedin":       {"Signed in as", "当前用户"},
	"nav.security":       {"Security", "安全设置"},
	"nav.account":        {"My account", "我的账户"},
	"signin.title":       {"Sign in", "登录"},
	"signin.intro":       {"Sign in to your organisation's Steward.", "登录您所在组织的 Steward。"},
	"signin.tenant":      {"Organisation", "组织"},
	"signin.tenant.hint": {"The short name of your organisation, e.g. demo", "组织的简称，例如 demo"},
	"signin.email":       {"E-mail", "电子邮件"},
	"signin.password":    {"Password", "密码"},
	"signin.submit":      {"Sign in", "登录"},
	"signin.failed":      {"The organisation, e-mail or password is wrong.", "组织、电子邮件或密码不正确。"},
	"signin.expired":     {"Your session has ended. Please sign in again.", "会话已结束，请重新登录。"},
	"signin.signedout":   {"You have signed out.", "您已退出。"},

	"signin.code.title":   {"Second step", "第二步验证"},
	"signin.code.intro":   {"Your password was right. Now type the code your authenticator app shows, or one of your recovery codes.", "密码正确。请输入身份验证器应用显示的验证码，或您的一个恢复码。"},
	"signin.code":         {"Code", "验证码"},
	"signin.code.hint":    {"6 digits, or a recovery code (each works once)", "6 位数字，或一个恢复码（每个只能用一次）"},
	"signin.code.submit":  {"Verify", "验证"},
	"signin.code.restart": {"Start again with the password", "重新输入密码登录"},
	"signin.code.expired": {"The sign-in has expired or was already completed. Please sign in again.", "本次登录已过期或已完成，请重新登录。"},

	"stepup.title":     {"Confirm it is you", "确认您的身份"},
	"stepup.intro":     {"This action needs a sign-in less than 10 minutes old. Type your password again; the action is then carried out.", "此操作需要 10 分钟内的登录验证。请再次输入密码，随后将继续执行该操作。"},
	"stepup.code.hint": {"The code from your authenticator app, if you use one", "如已设置身份验证器，请输入其显示的验证码"},
	"stepup.submit":    {"Confirm and continue", "确认并继续"},

	"enrol.title":     {"Set up an authenticator app", "设置身份验证器"},
	"enrol.forced":    {"Your role requires a second factor. Set up an authenticator app before you continue.", "您的角色要求使用第二重验证。请先设置身份验证器，然后才能继续。"},
	"enrol.intro":     {"Use an authenticator app on your phone (such as Google Authenticator, Microsoft Authenticator or FreeOTP). Signing in will then ask for its code after your password.", "请使用手机上的身份验证器应用（如 Google Authenticator、Microsoft Authenticator 或 FreeOTP）。此后登录时，输入密码后还需输入其验证码。"},
	"enrol.start":     {"Set up an authenticator app", "设置身份验证器"},
	"enrol.scan":      {"Scan this QR code with the app.", "用应用扫描此二维码。"},
	"enrol.qr.alt":    {"QR code of your authenticator secret", "身份验证器密钥的二维码"},
	"enrol.manual":    {"Or type this key into the app:", "或在应用中手动输入此密钥："},
	"enrol.type":      {"Type the code the app shows.", "输入应用显示的验证码。"},
	"enrol.code":      {"Code from the app", "应用显示的验证码"},
	"enrol.code.hint": {"6 digits", "6 位数字"},
	"enrol.confirm":   {"Turn on", "启用"},

	"recovery.title":    {"Store your recovery codes now", "请立即保存恢复码"},
	"recovery.warning":  {"Your authenticator app is on. These 10 recovery codes are shown this once: store them somewhere safe now. Each signs you in once if you lose your phone.", "身份验证器已启用。以下 10 个恢复码只显示这一次，请立即妥善保存。手机丢失时，每个恢复码可登录一次。"},
	"recovery.hint":     {"Steward keeps only their hashes and cannot show them again.", "Steward 只保存其哈希值，无法再次显示。"},
	"recovery.continue": {"I have stored them: continue", "我已保存，继续"},

	"account.title":              {"My account", "我的账户"},
	"account.back":               {"Back to my account", "返回我的账户"},
	"account.password":           {"Password", "密码"},
	"account.password.expired":   {"Your password has expired. Choose a new one to continue.", "您的密码已过期。请设置新密码后继续。"},
	"account.password.hint":      {"A long passphrase is best. Your other sessions end when it changes.", "建议使用较长的短语。修改后，您的其他会话将结束。"},
	"account.password.submit":    {"Change password", "修改密码"},
	"account.mfa":                {"Second factor", "第二重验证"},
	"account.mfa.intro":          {"A second factor protects your account if your password leaks. Removing it needs your password again.", "第二重验证可在密码泄露时保护您的账户。移除时需要再次输入密码。"},
	"account.mfa.remove":         {"Remove the authenticator app", "移除身份验证器"},
	"account.sessions":           {"My sessions", "我的会话"},
	"account.sessions.intro":     {"Where you are signed in. Sign out any you do not recognise.", "您当前的登录会话。如有不认识的，请将其退出。"},
	"account.session.created":    {"Signed in (UTC)", "登录时间（UTC）"},
	"account.session.seen":       {"Last seen (UTC)", "最近使用（UTC）"},
	"account.session.ip":         {"Address", "地址"},
	"account.session.end":        {"Sign out", "退出"},
	"account.session.this":       {"this session", "当前会话"},
	"account.sessions.others":    {"Sign out everywhere else", "退出其他所有会话"},
	"field.current_password":     {"Current password", "当前密码"},
	"field.new_password":         {"New password", "新密码"},
	"field.repeat_password":      {"New password again", "再次输入新密码"},
	"done.account.password":      {"Password changed. Your other sessions have ended.", "密码已修改，您的其他会话已结束。"},
	"done.account.mfa_removed":   {"The authenticator app was removed.", "身份验证器已移除。"},
	"done.account.session_ended": {"The session was signed out.", "该会话已退出。"},
	"done.account.others_ended":  {"Every other session was signed out.", "其他所有会话均已退出。"},

	"security.title":                 {"Security settings", "安全设置"},
	"security.intro":                 {"How people of your organisation sign in: passwords, lockout, sessions, second factors and where they may sign in from.", "您组织的登录规则：密码、锁定、会话、第二重验证以及允许登录的网络。"},
	"security.settings":              {"Settings", "设置"},
	"security.save":                  {"Save settings", "保存设置"},
	"security.breaks":                {"Breaks:", "不符合："},
	"security.profile":               {"Profile", "配置模板"},
	"security.profile.default":       {"Default (NIST SP 800-63B-4, OWASP ASVS 5.0)", "默认（NIST SP 800-63B-4、OWASP ASVS 5.0）"},
	"security.profile.dengbao-l3":    {"等保 level 3 (GB/T 22239-2019)", "等保三级（GB/T 22239-2019）"},
	"security.profile.hint":          {"Choosing another profile gives its values to the password and lockout fields you leave unchanged.", "切换模板后，未修改的密码与锁定字段将采用该模板的值。"},
	"security.min_length":            {"Minimum password length", "密码最短长度"},
	"security.min_length_mfa":        {"Minimum length with a second factor", "使用第二重验证时的最短长度"},
	"security.min_classes":           {"Character classes required", "须包含的字符类别数"},
	"security.expiry_days":           {"Password expiry (days, 0 = never)", "密码有效期（天，0 表示不过期）"},
	"security.history":               {"Passwords remembered", "不得重复使用的历史密码数"},
	"security.lockout_threshold":     {"Lock after failures", "连续失败锁定次数"},
	"security.lockout_minutes":       {"Lockout minutes (0 = until reset)", "锁定时长（分钟，0 表示直至重置）"},
	"security.idle_minutes":          {"Session idle limit (minutes)", "会话空闲上限（分钟）"},
	"security.absolute_hours":        {"Session lifetime (hours)", "会话最长时间（小时）"},
	"security.admin_idle_minutes":    {"Administrator idle limit (minutes)", "管理员空闲上限（分钟）"},
	"security.admin_absolute_hours":  {"Administrator session lifetime (hours)", "管理员会话最长时间（小时）"},
	"security.mfa_required":          {"Everyone must use a second factor", "所有人必须使用第二重验证"},
	"security.mfa_roles":             {"Roles that must use a second factor", "必须使用第二重验证的角色"},
	"security.mfa_for_export":        {"Anyone who may export must use a second factor", "有导出权限者必须使用第二重验证"},
	"security.mfa_for_admin":         {"Anyone who administers users, roles, security or the audit trail must use a second factor", "管理用户、角色、安全设置或审计记录者必须使用第二重验证"},
	"security.totp_window":           {"Authenticator code window", "验证码时间窗口"},
	"security.window.drift":          {"drift: ±1 step (30 s) for clock drift", "drift：允许 ±1 个步长（30 秒）的时钟偏差"},
	"security.window.strict":         {"strict: the current step and the one before", "strict：当前步长及前一个步长"},
	"security.window.exact":          {"exact: the current step only", "exact：仅当前步长"},
	"security.allowed_networks":      {"Networks allowed to sign in", "允许登录的网络"},
	"security.allowed_networks.hint": {"One address or CIDR a line, e.g. 10.0.0.0/8. Empty: anywhere.", "每行一个地址或 CIDR，例如 10.0.0.0/8。留空表示不限。"},
	"security.role_networks":         {"Networks per role", "按角色限定网络"},
	"security.role_networks.hint":    {"One role a line: role key, a colon, its networks, e.g. administrator: 10.0.0.0/8, 192.168.1.0/24", "每行一个角色：角色键、冒号及其网络，例如 administrator: 10.0.0.0/8, 192.168.1.0/24"},
	"security.login_hours":           {"Sign-in hours per role", "按角色限定登录时段"},
	"security.login_hours.hint":      {"One role a line, e.g. sales_rep: mon-fri 08:00-18:00; sat 09:00-12:00", "每行一个角色，例如 sales_rep: mon-fri 08:00-18:00; sat 09:00-12:00"},
	"security.time_zone":             {"Time zone of the sign-in hours", "登录时段所用时区"},
	"security.blocklist":             {"Common-password blocklist", "常见密码黑名单"},
	"security.context_words":         {"Names in passwords", "密码中的名称"},
	"security.max_length":            {"Maximum password length", "密码最大长度"},
	"security.conformance":           {"What these settings meet", "这些设置符合的标准"},
	"security.conformance.intro":     {"Each choice against the clauses of NIST SP 800-63B-4, OWASP ASVS 5.0, GB/T 22239-2019 level 3 and PCI DSS 4.0.1. Notes are quoted as the standards put them.", "各项设置对照 NIST SP 800-63B-4、OWASP ASVS 5.0、GB/T 22239-2019 三级和 PCI DSS 4.0.1 的条款。说明按标准原文引用。"},
	"security.setting":               {"Setting", "设置项"},
	"security.value":                 {"Value", "值"},
	"security.standard":              {"Standard", "标准"},
	"security.clause":                {"Clause", "条款"},
	"security.verdict":               {"Verdict", "结论"},
	"security.note":                  {"Note", "说明"},
	"done.security":                  {"Settings saved. They apply from the next sign-in or request.", "设置已保存，从下一次登录或请求起生效。"},
	"value.satisfies":                {"satisfies", "符合"},
	"value.breaks":                   {"breaks", "不符合"},
	"value.partly":                   {"partly", "部分符合"},

	"customers.title":        {"Customers", "客户"},
	"customers.count":        {"customers you may see", "位您可查看的客户"},
	"customers.search":       {"Search", "搜索"},
	"customers.q":            {"Name, phone or e-mail", "名称、电话或电子邮件"},
	"customers.filters":      {"Filters", "筛选"},
	"customers.any":          {"Any", "全部"},
	"customers.apply":        {"Apply", "应用"},
	"customers.clear":        {"Clear", "清除"},
	"customers.sort":         {"Sort by", "排序"},
	"customers.next":         {"Next page", "下一页"},
	"customers.first":        {"First page", "第一页"},
	"customers.new":          {"New customer", "新建客户"},
	"customers.empty":        {"No customers match.", "没有符合条件的客户。"},
	"customers.caption":      {"Customers, one per row", "客户列表，每行一位"},
	"sort.-last_activity_at": {"Latest follow-up first", "最近跟进优先"},
	"sort.last_activity_at":  {"Oldest follow-up first", "最早跟进优先"},
	"sort.name":              {"Name A–Z", "名称 A–Z"},
	"sort.-name":             {"Name Z–A", "名称 Z–A"},
	"sort.-created_at":       {"Newest first", "最新创建优先"},
	"sort.created_at":        {"Oldest first", "最早创建优先"},
	"sort.-updated_at":       {"Recently changed first", "最近修改优先"},

	"field.name":           {"Name", "名称"},
	"field.industry":       {"Industry", "行业"},
	"field.level":          {"Level", "级别"},
	"field.region":         {"Region", "地区"},
	"field.source":         {"Source", "来源"},
	"field.phone":          {"Phone", "电话"},
	"field.email":          {"E-mail", "电子邮件"},
	"field.address":        {"Address", "地址"},
	"field.notes":          {"Notes", "备注"},
	"field.owner":          {"Owner", "负责人"},
	"field.created_at":     {"Created", "创建时间"},
	"field.last_activity":  {"Last follow-up", "最近跟进"},
	"field.title":          {"Title", "职位"},
	"field.amount":         {"Amount", "金额"},
	"field.stage":          {"Stage", "阶段"},
	"field.expected_close": {"Expected close", "预计成交"},
	"field.type":           {"Type", "类型"},
	"field.note":           {"Note", "记录"},
	"field.occurred_at":    {"When", "时间"},
	"field.none":           {"—", "—"},
	"owner.you":            {"you", "您本人"},
	"owner.pool":           {"nobody (in a pool)", "无（在公海中）"},

	"customer.edit":         {"Edit", "编辑"},
	"customer.edit.title":   {"Edit customer", "编辑客户"},
	"customer.new.title":    {"New customer", "新建客户"},
	"customer.save":         {"Save", "保存"},
	"customer.create":       {"Create customer", "创建客户"},
	"customer.cancel":       {"Cancel", "取消"},
	"customer.details":      {"Details", "详情"},
	"customer.contacts":     {"Contacts", "联系人"},
	"customer.deals":        {"Deals", "商机"},
	"customer.activities":   {"Follow-ups", "跟进记录"},
	"customer.nothing":      {"None yet.", "暂无。"},
	"customer.hidden":       {"Your roles do not let you see these.", "您的角色无权查看这些内容。"},
	"customer.followup":     {"Add a follow-up", "添加跟进记录"},
	"customer.followup.add": {"Add follow-up", "添加跟进"},
	"customer.access":       {"Who can see this customer, and why", "谁能查看此客户，以及原因"},
	"customer.back":         {"Back to customers", "返回客户列表"},
	"customer.masked":       {"Some values are masked for you.", "部分信息对您已做脱敏处理。"},
	"done.saved":            {"Saved.", "已保存。"},
	"done.created":          {"Customer created.", "客户已创建。"},
	"done.activity":         {"Follow-up added.", "跟进记录已添加。"},
	"done.unchanged":        {"Nothing changed.", "没有修改。"},
	"form.errors":           {"Please correct the marked fields.", "请修改标出的字段。"},
	"form.required":         {"required", "必填"},

	"explain.title":      {"Who can see this customer, and why", "谁能查看此客户，以及原因"},
	"explain.for":        {"Access of", "查看对象"},
	"explain.you":        {"you", "您本人"},
	"explain.user":       {"User", "用户"},
	"explain.show":       {"Explain", "查看原因"},
	"explain.summary":    {"Every object and action, allowed or denied", "各对象与操作：允许或拒绝"},
	"explain.allowed":    {"allowed", "允许"},
	"explain.denied":     {"denied", "拒绝"},
	"explain.because":    {"Because", "原因"},
	"explain.missing":    {"Missing", "缺少"},
	"explain.restricted": {"Restricted by", "受限于"},
	"explain.details":    {"Reasons per object", "各对象的原因"},
	"explain.role":       {"role %s, scope %s", "角色 %s，范围 %s"},
	"explain.level":      {"%s, level %s", "%s，级别 %s"},
	"explain.others":     {"You may ask about any user, because you manage users or view the audit trail.", "您管理用户或查看审计记录，因此可以查看任何用户的权限。"},

	"source.role":          {"Role scope", "角色范围"},
	"source.team":          {"Record team", "相关团队"},
	"source.share":         {"Share", "共享"},
	"source.rule":          {"Sharing rule", "共享规则"},
	"source.pool":          {"Pool", "公海"},
	"source.restriction":   {"Restriction", "限制规则"},
	"principal.user":       {"user", "用户"},
	"principal.department": {"department", "部门"},
	"principal.group":      {"group", "群组"},
	"principal.role":       {"role", "角色"},
	"level.read":           {"read", "只读"},
	"level.edit":           {"edit", "编辑"},

	"fact.you own the record":                              {"you own the record", "您是记录的负责人"},
	"fact.the record is in your tenant":                    {"the record is in your organisation", "记录属于您的组织"},
	"fact.the owner reports to you":                        {"the owner reports to you", "负责人是您的下属"},
	"fact.the owner department is your department":         {"the owner's department is your department", "负责人部门即您的部门"},
	"fact.the owner department is in your department tree": {"the owner's department is in your department tree", "负责人部门在您的部门树中"},
	"fact.you are on the record team":                      {"you are on the record team", "您在该记录的相关团队中"},
	"fact.the customer sits in a pool of your department":  {"the customer sits in a pool of your department", "客户位于您部门的公海中"},

	"missing.view access to the customer":                        {"view access to the customer", "对客户的查看权限"},
	"missing.a restriction rule takes this record away from you": {"a restriction rule takes this record away from you", "一条限制规则使此记录对您不可见"},

	"principal.andbelow":     {"and below", "及下级部门"},
	"grant.never":            {"never", "永不过期"},
	"grant.expires.hint":     {"Optional. Access ends after this day (UTC).", "可选。访问权限在该日（UTC）结束后失效。"},
	"grant.who":              {"Who", "对象"},
	"grant.by":               {"Granted by", "授予人"},
	"grant.remove":           {"Remove", "移除"},
	"grant.expired":          {"expired", "已过期"},
	"field.grant_level":      {"Level", "权限级别"},
	"field.expires_at":       {"Expires", "到期日"},
	"field.reason":           {"Reason", "原因"},
	"field.last_activity_at": {"Last follow-up", "最近跟进"},
	"share.with":             {"Share with", "共享给"},
	"share.users":            {"Users", "用户"},
	"share.departments":      {"Departments", "部门"},
	"share.groups":           {"Groups", "群组"},
	"share.roles":            {"Roles", "角色"},
	"share.subdepartments":   {"Include sub-departments (for a department)", "包含下级部门（仅限部门）"},
	"share.add":              {"Share", "共享"},
	"share.add.title":        {"Share this customer", "共享此客户"},
	"team.member":            {"User", "用户"},
	"team.add":               {"Add to team", "加入团队"},
	"team.add.title":         {"Add a team member", "添加团队成员"},
	"team.title":             {"Record team", "相关团队"},
	"shares.title":           {"Shares", "共享"},
	"sharing.title":          {"Team and sharing", "团队与共享"},
	"sharing.intro":          {"Besides role scope, these people see this customer. Expired entries no longer count.", "除角色范围外，以下对象也可查看此客户。已过期的条目不再生效。"},
	"sharing.readonly":       {"Sharing this customer needs the share action through your role scope on it.", "共享此客户需要您的角色范围对其具有“共享”操作权限。"},

	"done.shared":       {"Shared.", "已共享。"},
	"done.team":         {"Added to the team.", "已加入相关团队。"},
	"done.unshared":     {"Share removed.", "已移除共享。"},
	"done.unteamed":     {"Removed from the team.", "已移出相关团队。"},
	"done.claimed":      {"Claimed: you are now the owner.", "已领取：您现在是负责人。"},
	"done.pool":         {"Pool created.", "公海已创建。"},
	"done.pool.saved":   {"Pool saved.", "公海已保存。"},
	"done.pool.deleted": {"Pool deleted.", "公海已删除。"},
	"done.returned":     {"Returned to the pool.", "已退回公海。"},
	"done.role.granted": {"Role granted. It is in force from the next request.", "角色已授予，从下一次请求起生效。"},
	"done.role.revoked": {"Role revoked. It is in force from the next request.", "角色已撤销，从下一次请求起生效。"},
	"done.role.factor_reset": {"Second factor removed and sessions ended. At the next sign-in the user enrols a new one if a role of theirs needs it.",
		"第二因素已移除，会话已结束。如其角色需要，用户下次登录时将重新绑定。"},
	"user.mfa.reset": {"Remove lost second factor", "移除丢失的第二因素"},

	"pools.title":           {"Pools", "公海"},
	"pools.intro":           {"Customers without owner wait in a pool. Members may view them (contact details masked) and claim them, within the pool's holding cap.", "无负责人的客户位于公海中。成员可查看（联系方式已脱敏）并在持有上限内领取。"},
	"pools.count":           {"Customers", "客户数"},
	"pools.empty":           {"No pools yet.", "暂无公海。"},
	"pool.departments":      {"Member departments", "成员部门"},
	"pool.holding_cap":      {"Holding cap", "持有上限"},
	"pool.cooldown_days":    {"Re-claim cool-down (days)", "重新领取冷却期（天）"},
	"pool.auto_return_days": {"Auto-return after idle days", "无跟进自动退回（天）"},
	"pool.create":           {"Create pool", "创建公海"},
	"pool.edit":             {"Pool settings", "公海设置"},
	"pool.save":             {"Save pool", "保存公海"},
	"pool.delete":           {"Delete pool", "删除公海"},
	"pool.delete.hint":      {"Only a pool that no customer belongs to, claimed customers included, can be deleted.", "只能删除没有任何客户（包括已被领取的客户）归属的公海。"},
	"pool.new":              {"New pool", "新建公海"},
	"pool.rules":            {"Each member may hold up to %d customers from this pool; a returned customer may be claimed again by the same person after %d days.", "每位成员最多可持有本公海的 %d 位客户；退回的客户同一人需 %d 天后才能再次领取。"},
	"pool.customers":        {"Customers in the pool", "公海中的客户"},
	"pool.claim":            {"Claim", "领取"},
	"pool.claim.reason":     {"Reason for claiming (optional)", "领取原因（可选）"},
	"pool.empty":            {"The pool is empty.", "公海中暂无客户。"},
	"pool.panel":            {"Pool", "公海"},
	"pool.in":               {"In pool", "所在公海"},
	"pool.masked":           {"contact details are masked until someone claims it", "领取前联系方式已脱敏"},
	"pool.return":           {"Return to pool", "退回公海"},
	"pool.return.title":     {"Return this customer to a pool", "将此客户退回公海"},
	"pool.return.to":        {"Pool", "公海"},

	"admin.users":       {"Users", "用户"},
	"admin.org":         {"Org tree", "组织架构"},
	"admin.org.intro":   {"Departments with their members. Department scopes cover a department; department-tree scopes also cover those below it.", "各部门及其成员。“本部门”范围覆盖该部门；“本部门及下级部门”还覆盖其下级部门。"},
	"admin.users.q":     {"Name or e-mail", "姓名或电子邮件"},
	"admin.users.empty": {"No users match.", "没有符合条件的用户。"},
	"admin.department":  {"Department", "部门"},
	"admin.manager":     {"Manager", "上级"},
	"admin.status":      {"Status", "状态"},
	"admin.roles":       {"Roles", "角色"},
	"admin.assignments": {"Role assignments", "角色分配"},
	"admin.since":       {"Since", "起始"},
	"admin.history":     {"Permission history", "权限变更记录"},
	"role.grant":        {"Grant role", "授予角色"},
	"role.grant.title":  {"Grant a role", "授予角色"},
	"role.revoke":       {"Revoke", "撤销"},

	"audit.title":         {"Audit trail", "审计记录"},
	"audit.verify.intro":  {"Recomputes every entry's hash and checks the signed checkpoints; it reads the whole trail.", "重新计算每条记录的哈希并检查签名检查点；将读取全部审计记录。"},
	"audit.verify.run":    {"Verify the chain now", "立即校验"},
	"audit.verify":        {"Chain verification", "链校验"},
	"audit.verify.ok":     {"The trail is intact: %d entries and %d signed checkpoints verified, up to position %d.", "审计记录完整：已校验 %d 条记录和 %d 个签名检查点，直至位置 %d。"},
	"audit.verify.broken": {"The trail is broken at position %d:", "审计记录在位置 %d 处被破坏："},
	"audit.events":        {"Audit events, newest first", "审计事件，最新在前"},
	"audit.actor":         {"Actor", "操作人"},
	"audit.action":        {"Action", "操作"},
	"audit.action.hint":   {"e.g. share. or role.grant", "例如 share. 或 role.grant"},
	"audit.action.title":  {"An action, or a prefix ending in a dot", "完整的操作名，或以点结尾的前缀"},
	"audit.target":        {"Target", "对象"},
	"audit.target_type":   {"Target type", "对象类型"},
	"audit.target_id":     {"Target id", "对象编号"},
	"audit.outcome":       {"Outcome", "结果"},
	"audit.from":          {"From (day)", "起始日"},
	"audit.to":            {"To (day)", "截止日"},
	"audit.at":            {"When (UTC)", "时间（UTC）"},
	"audit.details":       {"Details", "详情"},
	"audit.empty":         {"No events match.", "没有符合条件的事件。"},
	"audit.newest":        {"Newest", "最新"},
	"audit.older":         {"Older", "更早"},

	"rules.title":             {"Sharing and restriction rules", "共享规则与限制规则"},
	"rules.sharing":           {"Sharing rules", "共享规则"},
	"rules.restriction":       {"Restriction rules", "限制规则"},
	"rules.sharing.intro":     {"A customer matching a rule's criteria is shared with its principal at its level, for as long as it matches.", "符合规则条件的客户将按规则级别共享给指定对象，仅在符合条件期间有效。"},
	"rules.restriction.intro": {"Customers matching a restriction are hidden from its principals, whatever else grants them.", "符合限制规则条件的客户对指定对象不可见，无论其他授权如何。"},
	"rules.criteria":          {"Criteria", "条件"},
	"rules.principals":        {"Applies to", "适用对象"},
	"rules.shares.with":       {"Shares with", "共享给"},
	"rules.hides.from":        {"Hides from", "限制对象"},
	"rules.by":                {"Created by", "创建人"},
	"rules.updated":           {"Changed", "修改时间"},
	"rules.none":              {"None.", "无。"},
	"criteria.and":            {"and", "且"},
	"criteria.or":             {"or", "或"},
	"criteria.equals":         {"%s is %s", "%s 为 %s"},
	"criteria.in":             {"%s is one of %s", "%s 为 %s 之一"},
	"criteria.prefix":         {"%s starts with %s", "%s 以 %s 开头"},
	"criteria.between":        {"%s from %s to %s", "%s 在 %s 至 %s 之间"},
	"criteria.min":            {"%s from %s", "%s 不早于 %s"},
	"criteria.max":            {"%s up to %s", "%s 不晚于 %s"},

	"object.customer": {"Customer", "客户"},
	"object.contact":  {"Contact", "联系人"},
	"object.deal":     {"Deal", "商机"},
	"object.activity": {"Follow-up", "跟进记录"},
	"action.view":     {"view", "查看"},
	"action.create":   {"create", "新建"},
	"action.edit":     {"edit", "编辑"},
	"action.delete":   {"delete", "删除"},
	"action.transfer": {"transfer", "转移"},
	"action.share":    {"share", "共享"},
	"action.export":   {"export", "导出"},
	"action.import":   {"import", "导入"},

	"scope.none":                  {"none", "无"},
	"scope.own":                   {"own", "本人"},
	"scope.subordinates":          {"own and subordinates", "本人及下属"},
	"scope.department":            {"department", "本部门"},
	"scope.department_tree":       {"department and below", "本部门及下级部门"},
	"scope.all":                   {"whole company", "全公司"},
	"scope.short.none":            {"—", "—"},
	"scope.short.own":             {"own", "本人"},
	"scope.short.subordinates":    {"subs", "下属"},
	"scope.short.department":      {"dept", "部门"},
	"scope.short.department_tree": {"tree", "部门树"},
	"scope.short.all":             {"all", "全部"},

	"matrix.title":         {"Permission matrix", "权限矩阵"},
	"matrix.intro":         {"Each role gives, per object and action, a data scope. A user's roles add up: the widest scope wins.", "每个角色按对象和操作授予数据范围。用户的多个角色累加，取最宽的范围。"},
	"matrix.heatmap":       {"All roles at a glance (darker is wider)", "所有角色一览（颜色越深范围越宽）"},
	"matrix.role":          {"Role", "角色"},
	"matrix.preset":        {"preset", "预置"},
	"matrix.edit":          {"Edit a role", "编辑角色"},
	"matrix.view":          {"One role", "单个角色"},
	"matrix.choose":        {"Role", "角色"},
	"matrix.open":          {"Open", "打开"},
	"matrix.readonly":      {"You may read the matrix; changing it needs the manage_roles function.", "您可以查看矩阵；修改需要“管理角色”权限。"},
	"matrix.review":        {"Review changes", "检查修改"},
	"matrix.pending":       {"changes pending", "项修改待保存"},
	"matrix.confirm":       {"Confirm the changes to %s", "确认对 %s 的修改"},
	"matrix.confirm.intro": {"These cells will change. Everyone holding the role is affected from their next request.", "以下单元格将被修改。持有该角色的所有人从下一次请求起生效。"},
	"matrix.cell":          {"Object and action", "对象与操作"},
	"matrix.before":        {"Now", "当前"},
	"matrix.after":         {"After", "修改后"},
	"matrix.apply":         {"Apply changes", "应用修改"},
	"matrix.back":          {"Back to editing", "返回编辑"},
	"matrix.nochange":      {"Nothing to change: the role already has these scopes.", "没有修改：该角色已是这些范围。"},
	"matrix.saved":         {"The role was saved. It is in force from the next request.", "角色已保存，从下一次请求起生效。"},
	"matrix.stale":         {"Someone changed this role meanwhile. Here are your changes against its current state.", "在此期间有人修改了该角色。以下是相对其当前状态的修改。"},
	"matrix.legend":        {"Scopes", "范围"},
	"matrix.functions":     {"System functions", "系统功能"},

	"error.title":         {"Something went wrong", "出错了"},
	"error.notfound":      {"Not found", "未找到"},
	"error.notfound.text": {"There is nothing here, or you may not see it.", "此处没有内容，或您无权查看。"},
	"error.forbidden":     {"Not allowed", "不允许"},
	"error.csrf":          {"This form has expired or did not come from this site. Reload the page and try again.", "此表单已过期或并非来自本站。请刷新页面后重试。"},
	"error.internal":      {"The server failed to answer. If it happens again, quote this request id:", "服务器未能完成请求。如果再次发生，请提供此请求编号："},
	"error.invalid":       {"The request was not valid.", "请求无效。"},
	"error.back":          {"Go to customers", "前往客户列表"},

	"err.field_required":            {"", "此项为必填。"},
	"err.invalid_email":             {"", "不是有效的电子邮件地址。"},
	"err.invalid_phone":             {"", "电话只能包含数字、开头的 + 和分隔符，且为 3 至 20 位数字。"},
	"err.too_long":                  {"", "内容过长。"},
	"err.invalid_characters":        {"", "包含控制字符或方向覆盖字符。"},
	"err.invalid_encoding":          {"", "不是有效的 UTF-8 文本。"},
	"err.invalid_value":             {"", "不是允许的值。"},
	"err.invalid_cursor":            {"", "分页位置无效，请从第一页重新开始。"},
	"err.invalid_parameter":         {"", "参数无效。"},
	"err.invalid_time":              {"", "日期或时间无效，或已过去。"},
	"err.invalid_reference":         {"", "所选对象不存在。"},
	"err.holding_cap_reached":       {"", "您从该公海持有的客户已达上限，请先退回或跟进现有客户。"},
	"err.claim_cooldown":            {"", "您最近退回过此客户，冷却期内不能再次领取。"},
	"err.already_claimed":           {"", "已有人先领取了此客户。"},
	"err.not_in_pool":               {"", "此客户不在该公海中。"},
	"err.not_owned":                 {"", "此客户已在公海中。"},
	"err.grant_exceeds_own":         {"", "您不能授予超出自身权限的访问。"},
	"err.forbidden":                 {"", "您没有执行此操作的权限。"},
	"err.cannot_revoke_own_admin":   {"", "您不能撤销自己的管理员角色。"},
	"err.no_audit_key":              {"", "未配置审计签名密钥，无法校验检查点。"},
	"err.invalid_credentials":       {"", "组织、电子邮件或密码不正确。"},
	"err.too_many_attempts":         {"", "您所在网络的失败尝试过多，请等待一分钟后再试。"},
	"err.mfa_token_invalid":         {"", "本次登录已过期或已完成，请重新登录。"},
	"err.totp_invalid":              {"", "验证码错误或已过期。"},
	"err.totp_reused":               {"", "此验证码已使用过，请等待下一个。"},
	"err.totp_malformed":            {"", "验证码须为身份验证器应用显示的 %s 位数字。"},
	"err.code_malformed":            {"", "请输入 6 位验证码，或您的一个恢复码。"},
	"err.recovery_code_invalid":     {"", "此恢复码错误或已使用过。"},
	"err.recovery_code_malformed":   {"", "恢复码格式不正确。"},
	"err.step_up_failed":            {"", "密码或验证码不正确。"},
	"err.wrong_password":            {"", "当前密码不正确。"},
	"err.password_mismatch":         {"", "两次输入的新密码不一致。"},
	"err.password_too_short":        {"", "密码至少需要 %s 个字符。"},
	"err.password_too_long":         {"", "密码最多 %s 个字符。"},
	"err.password_composition":      {"", "密码须包含更多种类的字符（大写字母、小写字母、数字、符号）。"},
	"err.password_blocklisted":      {"", "此密码过于常见或容易猜到，请换一个。"},
	"err.password_contains_context": {"", "密码不能包含组织名称、您的姓名或电子邮件。"},
	"err.password_too_similar":      {"", "新密码与当前密码过于相似。"},
	"err.password_reused":           {"", "新密码不能与最近 %s 个密码相同。"},
	"err.no_pending_factor":         {"", "请先开始设置第二重验证。"},
	"err.factor_exists":             {"", "已设置第二重验证；如需更换，请先将其移除。"},
	"err.session_required":          {"", "此操作需要在已登录的会话中进行。"},
	"err.mfa_required_for_role":     {"", "该角色要求第二重验证，而该用户尚未设置；请其先设置，再授予角色。"},
	"err.out_of_range":              {"", "须在 %s 至 %s 之间。"},
	"err.invalid_number":            {"", "请输入整数。"},
	"err.invalid_line":              {"", "每行须为角色键、冒号及其值。"},
	"err.invalid_time_zone":         {"", "须为 IANA 时区，例如 Asia/Shanghai 或 UTC。"},
	"err.invalid_network":           {"", "网络地址无效，请每行填写一个地址或 CIDR。"},
	"err.allowlist_too_long":        {"", "网络列表过长。"},
	"err.invalid_hours":             {"", "登录时段格式无效，例如 mon-fri 08:00-18:00。"},
	"err.invalid_window":            {"", "不是允许的时间窗口。"},
	"err.unknown_profile":           {"", "不是允许的配置模板。"},
	"err.network_not_allowed":       {"", "您的组织不允许从此网络访问。"},

	"value.web":         {"web", "网站"},
	"value.referral":    {"referral", "转介绍"},
	"value.event":       {"event", "活动"},
	"value.campaign":    {"campaign", "营销活动"},
	"value.partner":     {"partner", "合作伙伴"},
	"value.cold_call":   {"cold call", "陌生拜访"},
	"value.other":       {"other", "其他"},
	"value.call":        {"call", "电话"},
	"value.meeting":     {"meeting", "会议"},
	"value.email":       {"e-mail", "邮件"},
	"value.visit":       {"visit", "拜访"},
	"value.note":        {"note", "备注"},
	"value.task":        {"task", "任务"},
	"value.lead":        {"lead", "线索"},
	"value.qualified":   {"qualified", "已确认"},
	"value.proposal":    {"proposal", "方案"},
	"value.negotiation": {"negotiation", "谈判"},
	"value.won":         {"won", "赢单"},
	"value.lost":        {"lost", "输单"},

	"value.active":           {"active", "在职"},
	"value.suspended":        {"suspended", "已停用"},
	"value.deactivated":      {"deactivated", "已注销"},
	"value.success":          {"success", "成功"},
	"value.denied":           {"denied", "拒绝"},
	"value.failure":          {"failure", "失败"},
	"value.customer":         {"customer", "客户"},
	"value.user":             {"user", "用户"},
	"value.role":             {"role", "角色"},
	"value.department":       {"department", "部门"},
	"value.group":            {"group", "群组"},
	"value.pool":             {"pool", "公海"},
	"value.sharing_rule":     {"sharing rule", "共享规则"},
	"value.restriction_rule": {"restriction rule", "限制规则"},
	"value.operation":        {"operation", "操作"},
	"value.session":          {"session", "会话"},
	"value.audit":            {"audit trail", "审计记录"},
	"value.system":           {"system", "系统"},
	"value.anonymous":        {"anonymous", "匿名"},
	"value.api_key":          {"API key", "API 密钥"},
	"value.true":             {"yes", "是"},
	"value.false":            {"no", "否"},

	"nav.fields":       {"Fields", "字段"},
	"form.readonly":    {"You may read this field but not change it.", "您可以查看此字段，但不能修改。"},
	"form.masked":      {"Masked for you; you may not change it.", "已对您脱敏，不能修改。"},
	"field.masked":     {"masked", "已脱敏"},
	"field.revealed":   {"revealed", "已显示原值"},
	"field.reveal":     {"Reveal", "查看原值"},
	"done.revealed":    {"The real value is shown on this page only; the reveal was recorded in the audit trail.", "原值仅在本页显示；本次查看已记入审计记录。"},
	"faccess.hidden":   {"hidden", "隐藏"},
	"faccess.masked":   {"masked", "脱敏"},
	"faccess.read":     {"read", "只读"},
	"faccess.edit":     {"edit", "可编辑"},
	"fieldtype.text":   {"Text", "文本"},
	"fieldtype.number": {"Number", "数字"},
	"fieldtype.date":   {"Date", "日期"},
	"fieldtype.select": {"Select", "单选"},

	"fieldtype.multiselect": {"Multi-select", "多选"},
	"fieldtype.bool":        {"Yes / no", "是 / 否"},
	"fieldtype.phone":       {"Phone", "电话"},
	"fieldtype.email":       {"E-mail", "电子邮件"},
	"mask.default":          {"By type (phone, e-mail, else fully)", "按类型（电话、邮箱，其余全部隐藏）"},
	"mask.phone":            {"Phone: 138****5678", "电话：138****5678"},
	"mask.email":            {"E-mail: z***@example.com", "邮箱：z***@example.com"},
	"mask.address":          {"Address: up to the district", "地址：保留到区县"},
	"mask.id_number":        {"ID number: first 3 and last 4", "证件号：保留前 3 位和后 4 位"},
	"mask.full":             {"Fully: ****", "全部隐藏：****"},

	"explain.fields":       {"Field access", "字段权限"},
	"explain.fields.intro": {"Each field of this customer and of the records under it: what the user may do with it, whether they may reveal it when masked, and the roles that gave it. Across roles the most permissive wins.", "此客户及其下属记录的每个字段：该用户的权限、脱敏时能否查看原值，以及授予该权限的角色。多个角色时取最宽的权限。"},
	"explain.object":       {"Object", "对象"},
	"explain.field":        {"Field", "字段"},
	"explain.access":       {"Access", "权限"},
	"explain.reveal":       {"May reveal", "可查看原值"},
	"explain.given":        {"Given by", "来源"},

	"fieldsrc.field rule":        {"rule for this field", "字段规则"},
	"fieldsrc.all-fields rule":   {"rule for all fields", "全部字段规则"},
	"fieldsrc.sensitive default": {"sensitive field, no rule", "敏感字段，无规则"},
	"fieldsrc.default":           {"no rule", "无规则"},
	"fieldsrc.norole":            {"no role", "无角色"},

	"fieldsrc.seen only through a pool until claimed": {"seen only through a pool until claimed", "仅通过公海可见，领取前脱敏"},

	"fields.title":           {"Fields", "字段"},
	"fields.intro":           {"Each object's fields: the built-in ones and those your organisation adds. Sensitive fields are masked for roles without a rule for them. Each role's field rules are set on the permission matrix page, under the role's editor.", "各对象的字段：内置字段及贵组织添加的自定义字段。敏感字段对没有相应规则的角色脱敏显示；各角色的字段规则在权限矩阵页面该角色的编辑区下方设置。"},
	"fields.objects":         {"Objects", "对象"},
	"fields.label":           {"Field", "字段"},
	"fields.key":             {"Key", "字段键"},
	"fields.key.hint":        {"2–40 lower-case letters, digits or underscores, starting with a letter. It cannot change later.", "2–40 个小写字母、数字或下划线，以字母开头，创建后不可修改。"},
	"fields.type":            {"Type", "类型"},
	"fields.mask":            {"Mask", "脱敏方式"},
	"fields.mask.hint":       {"How the value shows to those who see it masked.", "对脱敏查看者显示值的方式。"},
	"fields.sensitive":       {"Sensitive", "敏感"},
	"fields.sensitive.label": {"Sensitive: masked for roles without a rule for this field", "敏感：对没有此字段规则的角色脱敏显示"},
	"fields.sensitive.on":    {"Mark sensitive", "设为敏感"},
	"fields.sensitive.badge": {"sensitive", "敏感"},
	"fields.sensitive.off":   {"Mark not sensitive", "取消敏感"},
	"fields.required":        {"Required", "必填"},
	"fields.builtin":         {"built-in", "内置"},
	"fields.builtin.hint":    {"A built-in field takes only labels, sensitivity and mask; hide it from a role with a field rule.", "内置字段只能修改名称、敏感性和脱敏方式；如需对某角色隐藏，请使用字段规则。"},
	"fields.actions":         {"Actions", "操作"},
	"fields.edit":            {"Edit", "编辑"},
	"fields.edit.title":      {"Field: %s", "字段：%s"},
	"fields.save":            {"Save field", "保存字段"},
	"fields.back":            {"Back to fields", "返回字段列表"},
	"fields.delete":          {"Delete", "删除"},
	"fields.delete.title":    {"Delete the field %s?", "删除字段 %s？"},
	"fields.delete.warning":  {"Its value on every record and every role rule for it are deleted with it. This cannot be undone.", "所有记录中此字段的值以及针对它的角色规则将一并删除，且无法恢复。"},
	"fields.delete.confirm":  {"Delete the field", "确认删除"},
	"fields.add":             {"Add a custom field", "添加自定义字段"},
	"fields.create":          {"Add field", "添加字段"},
	"fields.label_zh":        {"Chinese label", "中文名称"},
	"fields.label_en":        {"English label", "英文名称"},
	"fields.options":         {"Options", "选项"},
	"fields.options.hint":    {"One option a line, for select and multi-select fields.", "每行一个选项，仅用于单选和多选字段。"},
	"done.field.created":     {"Field added. Forms show it from the next request.", "字段已添加，从下一次请求起显示在表单中。"},
	"done.field.saved":       {"Field saved. It applies from the next request.", "字段已保存，从下一次请求起生效。"},
	"done.field.deleted":     {"Field deleted, with its values and role rules.", "字段已删除，其值和角色规则一并删除。"},

	"fieldrules.title":             {"Field rules", "字段权限"},
	"fieldrules.intro":             {"What holders of this role may do with each field: hidden, masked, read or edit; reveal lets a masked value be shown on request, each time audited. Without a rule, sensitive fields are masked and the others editable; a rule for all fields of an object changes that. A user's roles add up: the most permissive wins.", "持有此角色者对各字段的权限：隐藏、脱敏、只读或可编辑；“可查看原值”允许按需查看脱敏字段的原值，每次均记入审计。没有规则时，敏感字段脱敏，其余可编辑；针对对象全部字段的规则可改变这一默认。用户的多个角色累加，取最宽的权限。"},
	"fieldrules.all":               {"All fields (*)", "全部字段（*）"},
	"fieldrules.field":             {"Field", "字段"},
	"fieldrules.access":            {"Access", "权限"},
	"fieldrules.reveal":            {"May reveal (masked only)", "可查看原值（仅脱敏时）"},
	"fieldrules.default":           {"no rule: %s", "无规则：%s"},
	"fieldrules.default.all":       {"sensitive masked, others edit", "敏感字段脱敏，其余可编辑"},
	"fieldrules.default.wild":      {"%s, by the rule for all fields", "%s（按全部字段规则）"},
	"fieldrules.default.sensitive": {"%s, as a sensitive field", "%s（敏感字段）"},
	"fieldrules.save":              {"Save field rules", "保存字段权限"},
	"fieldrules.saved":             {"The field rules were saved. They are in force from the next request.", "字段权限已保存，从下一次请求起生效。"},

	"err.field_not_editable": {"", "您无权修改此字段。"},
	"err.reveal_not_allowed": {"", "您无权查看此字段的原值。"},
	"err.unknown_field":      {"", "不是此对象的字段。"},
	"err.invalid_key":        {"", "字段键须为 2–40 个小写字母、数字或下划线，以字母开头。"},
	"err.key_taken":          {"", "此键已被使用。"},
	"err.field_read_only":    {"", "此项不可修改。"},
	"err.field_builtin":      {"", "内置字段不能删除；可通过字段规则对角色隐藏。"},
	"err.too_many_fields":    {"", "自定义字段已达 200 个上限。"},
	"err.duplicate":          {"", "有重复的项。"},
}

// missingText translates the engine's account of what a denied decision
// lacks; its sentences name the matrix cell, which stays as written.
func (l lang) missingText(s string) string {
	if l == english {
		return s
	}
	if m, ok := messages["missing."+s]; ok {
		return m[l]
	}
	if rest, ok := strings.CutPrefix(s, "no role grants "); ok {
		cell, tail, _ := strings.Cut(rest, ", ")
		if tail == "and only role scope can" {
			return "没有角色授予 " + cell + "，而此操作只能由角色范围授予"
		}
		return "没有角色授予 " + cell + "，也没有团队、共享、规则或公海覆盖此记录"
	}
	if rest, ok := strings.CutPrefix(s, "the record's owner is outside your "); ok {
		cell, _, _ := strings.Cut(rest, " scope")
		return "记录负责人不在 " + cell + " 的范围内，也没有团队、共享、规则或公海覆盖它"
	}
	return s
}
