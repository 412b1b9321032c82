package console

// codeMessages are the texts of the second factor of codes sent by e-mail
// or SMS: on the account, enrolment, sign-in, step-up and security pages.
var codeMessages = map[string][2]string{
	"codes.title":         {"Or: codes by e-mail or SMS", "或：通过电子邮件或短信接收验证码"},
	"codes.weaker":        {"Weaker than an authenticator app: whoever takes over your mailbox or your phone number (a SIM swap, a ported number, an intercepted SMS) receives the code too. Use an authenticator app if you can.", "安全性低于身份验证器：任何控制了您的邮箱或手机号（补换 SIM 卡、携号转网、短信被截获）的人也能收到验证码。如有可能，请使用身份验证器。"},
	"codes.channel":       {"Send codes by", "验证码发送方式"},
	"codes.channel.email": {"E-mail", "电子邮件"},
	"codes.channel.sms":   {"SMS", "短信"},
	"codes.address":       {"E-mail address or mobile number", "邮箱地址或手机号"},
	"codes.address.hint":  {"An e-mail address, or a mobile number with its country code, such as +86 138 0013 8000", "电子邮件地址，或带国家代码的手机号，例如 +86 138 0013 8000"},
	"codes.start":         {"Send a code", "发送验证码"},
	"codes.code":          {"Code we sent", "收到的验证码"},
	"codes.resend":        {"Send a new code", "重新发送验证码"},
	"codes.sent.title":    {"Type the code we sent", "输入收到的验证码"},

	"signin.sent.email":      {"We sent a code to your e-mail address. It works once, for 5 minutes.", "我们已向您的电子邮箱发送验证码，5 分钟内有效，只能使用一次。"},
	"signin.sent.sms":        {"We sent a code to your phone by SMS. It works once, for 5 minutes.", "我们已通过短信向您的手机发送验证码，5 分钟内有效，只能使用一次。"},
	"signin.sent.none":       {"We could not send a code just now (one went out less than 30 seconds ago, or delivery failed). Use the code you already have, ask for a new one, or type a recovery code.", "暂时无法发送验证码（30 秒内刚发送过，或发送失败）。请使用已收到的验证码、重新发送，或输入恢复码。"},
	"signin.sent.again":      {"We sent a new code; the one before no longer works.", "已发送新的验证码，之前的验证码已失效。"},
	"signin.code.intro.sent": {"Your password was right. Now type the code we sent you, or one of your recovery codes.", "密码正确。请输入我们发送给您的验证码，或您的一个恢复码。"},
	"stepup.code.hint.sent":  {"Ask for a code with the button below, then type it here (or a recovery code)", "请先点击下方按钮获取验证码，再在此输入（或输入恢复码）"},
	"stepup.send_code":       {"Send me a code", "发送验证码"},

	"account.mfa.totp.on":           {"An authenticator app is set up.", "已设置身份验证器。"},
	"account.mfa.code.email":        {"Codes go by e-mail to", "验证码发送至邮箱"},
	"account.mfa.code.sms":          {"Codes go by SMS to", "验证码通过短信发送至"},
	"account.mfa.code.remove":       {"Turn off codes by e-mail or SMS", "停用邮件或短信验证码"},
	"done.account.mfa_code_on":      {"Codes by e-mail or SMS are on. Keep the recovery codes you already have.", "邮件或短信验证码已启用。请继续妥善保存您已有的恢复码。"},
	"done.account.mfa_code_removed": {"Codes by e-mail or SMS were turned off.", "邮件或短信验证码已停用。"},
	"recovery.warning.code":         {"Codes by e-mail or SMS are on. These 10 recovery codes are shown this once: store them somewhere safe now. Each signs you in once if you lose your phone or your mailbox.", "邮件或短信验证码已启用。以下 10 个恢复码只显示这一次，请立即妥善保存。手机或邮箱无法使用时，每个恢复码可登录一次。"},

	"security.code_channels":      {"Second-factor codes by e-mail or SMS", "允许通过电子邮件或短信接收第二重验证码"},
	"security.code_channels.hint": {"Weaker than an authenticator app, and off by default: NIST SP 800-63B-4 restricts SMS (§3.1.3.3) and does not accept e-mail (§3.1.3.1). A code factor counts wherever a second factor is required. Turning a channel off stops new enrolments; factors already set up keep working until removed.", "安全性低于身份验证器，默认关闭：NIST SP 800-63B-4 将短信列为受限方式（§3.1.3.3），且不接受电子邮件（§3.1.3.1）。在要求第二重验证的地方，验证码方式同样有效。关闭某种方式后不能再新设置，已设置的在移除前仍可使用。"},

	"err.code_invalid":            {"", "验证码错误。"},
	"err.code_expired":            {"", "此验证码已过期、已使用或错误次数过多，请重新获取。"},
	"err.code_too_soon":           {"", "刚刚发送过验证码，请使用它，或等待 30 秒后再获取新的验证码。"},
	"err.too_many_codes":          {"", "过去一小时内发送的验证码过多，请稍后再试。"},
	"err.code_factor_not_allowed": {"", "您的组织不允许通过此方式接收第二重验证码（安全设置中的 code_channels），请使用身份验证器。"},
	"err.no_sender":               {"", "此服务器未配置电子邮件或短信发送，请使用身份验证器。"},
	"err.code_not_sent":           {"", "验证码发送失败，请稍后再试，或使用恢复码。"},
	"err.no_code_factor":          {"", "您的第二重验证不是邮件或短信验证码。"},
	"err.other_factor":            {"", "您设置的是另一种第二重验证，请在相应位置移除。"},
	"err.invalid_mobile":          {"", "请输入带国家代码的手机号，例如 +86 138 0013 8000。"},
	"err.invalid_channel":         {"", "不是允许的发送方式。"},
}
