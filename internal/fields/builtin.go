package fields

import (
	"steward/internal/access"
	"steward/internal/crm"
)

// builtins are the fields every object has, in display order. System
// fields (id, owner, pool, timestamps) are not in the catalogue: they carry
// no customer data and every reader of a record sees them.
var builtins = []Field{
	{Object: access.Customer, Key: "name", LabelZh: "客户名称", LabelEn: "Name", Type: Text, Required: true},
	{Object: access.Customer, Key: "industry", LabelZh: "行业", LabelEn: "Industry", Type: Text},
	{Object: access.Customer, Key: "level", LabelZh: "客户级别", LabelEn: "Level", Type: Select, Options: crm.Levels},
	{Object: access.Customer, Key: "region", LabelZh: "地区", LabelEn: "Region", Type: Text},
	{Object: access.Customer, Key: "source", LabelZh: "来源", LabelEn: "Source", Type: Select, Options: crm.Sources},
	{Object: access.Customer, Key: "phone", LabelZh: "电话", LabelEn: "Phone", Type: Phone, Sensitive: true, Mask: MaskPhone},
	{Object: access.Customer, Key: "email", LabelZh: "邮箱", LabelEn: "E-mail", Type: Email, Sensitive: true, Mask: MaskEmail},
	{Object: access.Customer, Key: "address", LabelZh: "地址", LabelEn: "Address", Type: Text, Sensitive: true, Mask: MaskAddress},
	{Object: access.Customer, Key: "notes", LabelZh: "备注", LabelEn: "Notes", Type: Text},

	{Object: access.Contact, Key: "name", LabelZh: "姓名", LabelEn: "Name", Type: Text, Required: true},
	{Object: access.Contact, Key: "title", LabelZh: "职务", LabelEn: "Title", Type: Text},
	{Object: access.Contact, Key: "phone", LabelZh: "电话", LabelEn: "Phone", Type: Phone, Sensitive: true, Mask: MaskPhone},
	{Object: access.Contact, Key: "email", LabelZh: "邮箱", LabelEn: "E-mail", Type: Email, Sensitive: true, Mask: MaskEmail},
	{Object: access.Contact, Key: "notes", LabelZh: "备注", LabelEn: "Notes", Type: Text},

	{Object: access.Deal, Key: "name", LabelZh: "商机名称", LabelEn: "Name", Type: Text, Required: true},
	{Object: access.Deal, Key: "amount", LabelZh: "金额", LabelEn: "Amount", Type: Number},
	{Object: access.Deal, Key: "currency", LabelZh: "币种", LabelEn: "Currency", Type: Text},
	{Object: access.Deal, Key: "stage", LabelZh: "阶段", LabelEn: "Stage", Type: Select, Options: crm.Stages},
	{Object: access.Deal, Key: "expected_close", LabelZh: "预计成交日期", LabelEn: "Expected close", Type: Date},

	{Object: access.Activity, Key: "type", LabelZh: "类型", LabelEn: "Type", Type: Select, Options: crm.ActivityTypes},
	{Object: access.Activity, Key: "note", LabelZh: "内容", LabelEn: "Note", Type: Text},
}

// Builtins returns the built-in fields with their default settings.
func Builtins() []Field {
	out := make([]Field, len(builtins))
	for i, f := range builtins {
		f.Builtin = true
		if f.Mask == "" {
			f.Mask = MaskFull
		}
		if f.Options == nil {
			f.Options = []string{}
		}
		out[i] = f
	}
	return out
}

func isBuiltin(o access.Object, key string) bool {
	for _, f := range builtins {
		if f.Object == o && f.Key == key {
			return true
		}
	}
	return false
}
