package mask

import "testing"

func TestMasks(t *testing.T) {
	cases := []struct{ got, want string }{
		{Phone("13812345678"), "138****5678"},
		{Phone("+86 138-1234-5678"), "138****5678"},
		{Phone("62345678"), "******78"},
		{Phone("0571-888866"), "05*****866"},
		{Phone("12345"), "*****"},
		{Phone(""), ""},
		{Email("zhang.wei@example.com"), "z***@example.com"},
		{Email("张伟@例子.公司"), "张***@例子.公司"},
		{Email("broken"), "******"},
		{Address("上海市浦东新区世纪大道100号"), "上海市浦东新区***"},
		{Address("18 Renmin Road, Pudong District, Shanghai"), "***, Pudong District, Shanghai"},
		{Address("Main Street 5, Springfield"), "***, Springfield"},
		{IDNumber("110101199003074258"), "110***********4258"},
		{IDNumber("A1234567"), "A******7"},
		{IDNumber("12345"), "*****"},
		{Address("杭州市文三路100号翠苑小区5幢"), "杭州市***"},
		{Address("浙江省杭州市西湖区文三路100号翠苑小区"), "浙江省杭州市西湖区***"},
		{Address("昆山县玉山镇"), "昆山县***"},
	}
	for i, c := range cases {
		if c.got != c.want {
			t.Errorf("case %d: got %q, want %q", i, c.got, c.want)
		}
	}
}
