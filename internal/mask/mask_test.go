package mask

import "testing"

func TestMasks(t *testing.T) {
	cases := []struct{ got, want string }{
		{Phone("13812345678"), "138****5678"},
		{Phone("+86 138-1234-5678"), "861****5678"},
		{Phone("12345"), "*****"},
		{Phone(""), ""},
		{Email("zhang.wei@example.com"), "z***@example.com"},
		{Email("张伟@例子.公司"), "张***@例子.公司"},
		{Email("broken"), "******"},
		{Address("上海市浦东新区世纪大道100号"), "上海市浦东新区***"},
		{Address("18 Renmin Road, Pudong District, Shanghai"), "***, Pudong District, Shanghai"},
		{Address("Main Street 5, Springfield"), "***, Springfield"},
		{IDNumber("110101199003074258"), "110***********4258"},
	}
	for i, c := range cases {
		if c.got != c.want {
			t.Errorf("case %d: got %q, want %q", i, c.got, c.want)
		}
	}
}
