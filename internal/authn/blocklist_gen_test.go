package authn

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The blocklist is generated, not downloaded: there is no network at build
// time, and a generator from well-known patterns is reviewable where a
// breach dump is not. TestBlocklistGolden regenerates it on every run and
// fails if blocklist.txt differs, so the file can never drift from this
// code. To change the list, edit the tables below and run
//
//	go test ./internal/authn -run TestBlocklistGolden -update-blocklist
var updateBlocklist = flag.Bool("update-blocklist", false, "rewrite blocklist.txt from the generator")

func TestBlocklistGolden(t *testing.T) {
	want := strings.Join(generateBlocklist(), "\n") + "\n"
	if *updateBlocklist {
		if err := os.WriteFile("blocklist.txt", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("blocklist.txt")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("blocklist.txt is not what the generator makes; run with -update-blocklist")
	}
}

// Entries are kept from 8 characters (the lowest minimum any profile
// allows) to 64 (longer ones are never typed). Letter-only words are kept
// from 3 letters as stems: Blocklisted cuts the digits and symbols off both
// ends before its second look-up, so the stem "dragon" also refuses
// "Dragon2024!" and every other decoration without listing each one.
const genMin, genStemMin, genMax = 8, 3, 64

// generateBlocklist returns the list: lower-case, NFKC, sorted, unique.
func generateBlocklist() []string {
	set := map[string]bool{}
	add := func(s string) {
		s = strings.ToLower(Normalize(s))
		n := utf8.RuneCountInString(s)
		if n <= genMax && (n >= genMin || n >= genStemMin && isLetters(s)) {
			set[s] = true
		}
	}
	bases := slices.Concat(genTop, genWords, genNames, genPinyin, genCulture)
	for _, b := range bases {
		add(b)
		add(letterCore(b))
		for _, phrase := range []string{"%s%s", "ilove%s", "my%s", "%sforever", "iam%s"} {
			add(strings.ReplaceAll(phrase, "%s", b))
		}
	}
	for _, b := range slices.Concat(genTop, genWords[:120]) {
		for _, v := range leet(b) {
			add(v)
			add(letterCore(v))
		}
	}
	// Kept explicit, although the stem rule covers them, so that the file
	// stands on its own for anyone who reads or reuses it.
	for _, stem := range genStems {
		for i := 0; i < 1000; i++ {
			add(fmt.Sprint(stem, i))
		}
		for y := 1950; y <= 2035; y++ {
			add(fmt.Sprint(stem, y))
		}
	}
	for _, s := range slices.Concat(keyboardWalks(), digitRuns(), genExtra) {
		add(s)
		add(letterCore(s))
		if len(s) <= 10 {
			add(s + s)
		}
	}
	for _, s := range dates() {
		add(s)
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

func isLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return s != ""
}

// letterCore is what Blocklisted looks up second: s without the non-letters
// at its ends.
func letterCore(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
}

// dates returns the birthdays people use, as yyyymmdd, for 1960-2009.
func dates() []string {
	var out []string
	for y := 1960; y <= 2009; y++ {
		for m := 1; m <= 12; m++ {
			for d := 1; d <= daysIn(m, y); d++ {
				out = append(out, fmt.Sprintf("%04d%02d%02d", y, m, d))
			}
		}
	}
	return out
}

func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// leet returns the common "l33t" spellings of w: each substitution alone,
// and all of them at once with each of the usual choices.
func leet(w string) []string {
	subs := []struct{ from, to1, to2 string }{
		{"a", "@", "4"}, {"e", "3", "3"}, {"i", "1", "!"}, {"o", "0", "0"},
		{"s", "$", "5"}, {"t", "7", "7"}, {"l", "1", "1"}, {"g", "9", "9"},
	}
	all1, all2 := w, w
	var out []string
	for _, s := range subs {
		if strings.Contains(w, s.from) {
			out = append(out, strings.ReplaceAll(w, s.from, s.to1), strings.ReplaceAll(w, s.from, s.to2))
			all1 = strings.ReplaceAll(all1, s.from, s.to1)
			all2 = strings.ReplaceAll(all2, s.from, s.to2)
		}
	}
	return append(out, all1, all2)
}

// keyboardWalks returns runs along the rows, columns and zig-zags of a US
// keyboard, forwards and backwards, of every length from 6 to 16.
func keyboardWalks() []string {
	lines := []string{
		"`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./",
		"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/", "zaq1xsw2cde3vfr4bgt5nhy6mju7,ki8.lo9/;p0",
		"1q2w3e4r5t6y7u8i9o0p", "q1w2e3r4t5y6u7i8o9p0", "qazwsxedcrfvtgbyhnujmikolp",
		"!qaz@wsx#edc$rfv%tgb", "qweasdzxcrtyfghvbn", "1qazxsw23edcvfr4", "qwerasdfzxcv",
		"qwertyasdfghzxcvbn", "asdfqwerzxcv", "zxcvasdfqwer", "1234qwerasdfzxcv", "qwer1234",
		"poiuytrewq", "mnbvcxz", "lkjhgfdsa", "0987654321", "qwertyuiopasdfghjklzxcvbnm",
		"1234567890qwertyuiopasdfghjklzxcvbnm", "azertyuiopqsdfghjklmwxcvbn", "qwertzuiopasdfghjklyxcvbnm",
	}
	var out []string
	for _, l := range lines {
		r := []rune(l)
		for i := range r {
			for j := i + 6; j <= min(len(r), i+16); j++ {
				s := string(r[i:j])
				out = append(out, s, reverse(s))
			}
		}
	}
	return out
}

// digitRuns returns repeated digits, ascending and descending runs, and
// repeated short groups, of lengths 6 to 20.
func digitRuns() []string {
	var out []string
	run := func(start, step int) string {
		var b strings.Builder
		for i := 0; i < 20; i++ {
			b.WriteByte(byte('0' + ((start+step*i)%10+10)%10))
		}
		return b.String()
	}
	for d := 0; d < 10; d++ {
		for _, s := range []string{run(d, 0), run(d, 1), run(d, -1)} {
			for n := 6; n <= 20; n++ {
				out = append(out, s[:n])
			}
		}
		for e := 0; e < 10; e++ {
			if e != d {
				out = append(out, repeatTo(string(rune('0'+d))+string(rune('0'+e)), 6, 20)...)
			}
		}
	}
	for _, g := range []string{"123", "321", "abc", "112233", "147", "258", "369", "520", "1314", "2580", "159", "753"} {
		out = append(out, repeatTo(g, 6, 20)...)
	}
	return out
}

// repeatTo returns g repeated and cut to each length from min to max.
func repeatTo(g string, min, max int) []string {
	s := strings.Repeat(g, max/len(g)+1)
	var out []string
	for n := min; n <= max; n++ {
		out = append(out, s[:n])
	}
	return out
}

func reverse(s string) string {
	r := []rune(s)
	slices.Reverse(r)
	return string(r)
}

// genStems get every number from 0 to 999, and every year, appended.
var genStems = []string{"password", "passw0rd", "p@ssw0rd", "p@ssword", "admin", "qwerty",
	"welcome", "letmein", "iloveyou", "abc", "qq", "a", "woaini", "mima"}

// genTop are the perennial top entries of published common-password lists.
var genTop = []string{
	"123456", "password", "12345678", "qwerty", "123456789", "12345", "1234", "111111",
	"1234567", "dragon", "123123", "baseball", "abc123", "football", "monkey", "letmein",
	"696969", "shadow", "master", "666666", "qwertyuiop", "123321", "mustang", "1234567890",
	"michael", "654321", "superman", "1qaz2wsx", "7777777", "121212", "000000", "qazwsx",
	"123qwe", "killer", "trustno1", "jordan", "jennifer", "zxcvbnm", "asdfgh", "hunter",
	"buster", "soccer", "harley", "batman", "andrew", "tigger", "sunshine", "iloveyou",
	"2000", "charlie", "robert", "thomas", "hockey", "ranger", "daniel", "starwars",
	"klaster", "112233", "george", "computer", "michelle", "jessica", "pepper", "1111",
	"zxcvbn", "555555", "11111111", "131313", "freedom", "777777", "pass", "maggie",
	"159753", "aaaaaa", "ginger", "princess", "joshua", "cheese", "amanda", "summer",
	"love", "ashley", "nicole", "chelsea", "biteme", "matthew", "access", "yankees",
	"987654321", "dallas", "austin", "thunder", "taylor", "matrix", "welcome", "admin",
	"administrator", "passw0rd", "p@ssw0rd", "login", "changeme", "default", "guest",
	"qwerty123", "1q2w3e4r", "1q2w3e4r5t", "zaq12wsx", "football1", "baseball1", "abcdef",
	"abcd1234", "a1b2c3", "aa123456", "qwe123", "asdf1234", "letmein1", "welcome1",
	"princess1", "whatever", "nothing", "secret", "trustme", "hello", "hellokitty",
	"loveme", "lovely", "babygirl", "angel", "flower", "iloveu", "fuckyou", "asshole",
	"qwertyui", "q1w2e3r4", "1qazxsw2", "zxcv1234", "google", "internet", "samsung",
	"default1", "system", "server", "database", "oracle", "mysql", "postgres", "sqlserver",
	"root", "toor", "test", "testing", "temp", "temporary", "user", "usuario", "demo",
	"sample", "example", "password1", "password123", "correcthorsebatterystaple",
}

// genWords are common English words that people build passwords from.
var genWords = []string{
	"love", "life", "baby", "angel", "happy", "lucky", "money", "secret", "summer", "winter",
	"spring", "autumn", "sunshine", "rainbow", "flower", "butterfly", "dragon", "tiger", "lion",
	"eagle", "falcon", "wolf", "bear", "panda", "monkey", "donkey", "horse", "pony", "kitty",
	"kitten", "puppy", "doggy", "cat", "dog", "fish", "bird", "shadow", "silver", "golden",
	"diamond", "crystal", "purple", "orange", "yellow", "green", "blue", "black", "white",
	"red", "pink", "cherry", "banana", "apple", "lemon", "peach", "coffee", "chocolate",
	"cookie", "cupcake", "candy", "sugar", "honey", "sweet", "sweetie", "cutie", "beauty",
	"beautiful", "princess", "prince", "queen", "king", "master", "killer", "hunter",
	"soldier", "warrior", "ninja", "pirate", "wizard", "magic", "legend", "hero", "heaven",
	"angels", "devil", "demon", "ghost", "zombie", "vampire", "monster", "freedom", "peace",
	"liberty", "justice", "victory", "forever", "always", "together", "family", "friend",
	"friends", "mother", "father", "sister", "brother", "daddy", "mommy", "husband", "wife",
	"darling", "lover", "sexy", "hottie", "passion", "dream", "dreamer", "star", "stars",
	"moon", "sun", "sky", "ocean", "river", "mountain", "forest", "garden", "island", "beach",
	"paradise", "planet", "earth", "world", "universe", "galaxy", "rocket", "thunder",
	"lightning", "storm", "fire", "water", "ice", "snow", "snowball", "winter", "christmas",
	"holiday", "birthday", "welcome", "hello", "goodbye", "please", "thanks", "sorry",
	"whatever", "nothing", "something", "anything", "everything", "computer", "internet",
	"network", "security", "secure", "private", "access", "office", "company", "business",
	"manager", "student", "teacher", "doctor", "nurse", "police", "school", "college",
	"university", "music", "guitar", "piano", "drummer", "singer", "dancer", "dance",
	"party", "player", "gamer", "game", "games", "soccer", "football", "baseball",
	"basketball", "hockey", "tennis", "golf", "rugby", "cricket", "boxing", "runner",
	"racing", "speed", "turbo", "power", "energy", "hammer", "steel", "iron", "rock",
	"stone", "crazy", "funny", "cool", "awesome", "super", "simple", "easy", "hard",
	"strong", "smart", "genius", "chicken", "turkey", "pizza", "burger", "cheese", "pepper",
	"ginger", "cinnamon", "vanilla", "mango", "melon", "strawberry", "blueberry",
	"qwerty", "steward", "customer", "sales", "contact", "account", "report", "welcome",
	"letmein", "trustno", "iloveyou", "changeme", "password", "passwort", "motdepasse",
	"contrasena", "senha", "parola", "wachtwoord", "salasana", "haslo", "heslo",
}

// genNames are common given names and surnames.
var genNames = []string{
	"michael", "jennifer", "jessica", "ashley", "amanda", "daniel", "david", "james", "john",
	"robert", "william", "richard", "joseph", "thomas", "charles", "christopher", "matthew",
	"anthony", "mark", "donald", "steven", "paul", "andrew", "joshua", "kenneth", "kevin",
	"brian", "george", "edward", "ronald", "timothy", "jason", "jeffrey", "ryan", "jacob",
	"gary", "nicholas", "eric", "jonathan", "stephen", "larry", "justin", "scott", "brandon",
	"benjamin", "samuel", "frank", "gregory", "raymond", "alexander", "patrick", "jack",
	"dennis", "jerry", "tyler", "aaron", "jose", "henry", "adam", "douglas", "nathan",
	"peter", "zachary", "kyle", "walter", "harold", "jeremy", "ethan", "carl", "keith",
	"roger", "gerald", "christian", "terry", "sean", "arthur", "austin", "noah", "lawrence",
	"jesse", "joe", "bryan", "billy", "jordan", "albert", "dylan", "bruce", "willie",
	"gabriel", "alan", "juan", "logan", "wayne", "ralph", "roy", "eugene", "randy",
	"vincent", "russell", "louis", "philip", "bobby", "johnny", "bradley", "mary",
	"patricia", "linda", "barbara", "elizabeth", "susan", "sarah", "karen", "nancy", "lisa",
	"betty", "margaret", "sandra", "kimberly", "emily", "donna", "michelle", "dorothy",
	"carol", "melissa", "deborah", "stephanie", "rebecca", "sharon", "laura", "cynthia",
	"kathleen", "amy", "shirley", "angela", "helen", "anna", "brenda", "pamela", "nicole",
	"emma", "samantha", "katherine", "christine", "debra", "rachel", "catherine", "carolyn",
	"janet", "ruth", "maria", "heather", "diane", "virginia", "julie", "joyce", "victoria",
	"olivia", "kelly", "christina", "lauren", "joan", "evelyn", "judith", "megan", "cheryl",
	"andrea", "hannah", "martha", "jacqueline", "frances", "gloria", "ann", "teresa",
	"kathryn", "sara", "janice", "jean", "alice", "madison", "doris", "abigail", "julia",
	"judy", "grace", "denise", "amber", "marilyn", "beverly", "danielle", "theresa",
	"sophia", "marie", "diana", "brittany", "natalie", "isabella", "charlotte", "rose",
	"alexis", "kayla", "smith", "johnson", "williams", "brown", "jones", "garcia", "miller",
	"davis", "rodriguez", "martinez", "hernandez", "lopez", "gonzalez", "wilson", "anderson",
	"taylor", "moore", "jackson", "martin", "lee", "thompson", "harris", "clark", "lewis",
	"walker", "young", "allen", "king", "wright", "scott", "hill", "green", "adams", "baker",
	"nelson", "carter", "mitchell", "roberts", "turner", "phillips", "campbell", "parker",
	"evans", "edwards", "collins", "stewart", "morris", "murphy", "cook", "rogers", "muller",
	"schmidt", "schneider", "fischer", "weber", "meyer", "wagner", "becker", "dubois",
	"durand", "moreau", "rossi", "russo", "ferrari", "esposito", "ivanov", "petrov",
	"tanaka", "suzuki", "sato", "takahashi", "watanabe", "kim", "park", "choi", "nguyen",
}

// genPinyin are common Chinese surnames, given names and phrases in pinyin.
var genPinyin = []string{
	"wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun",
	"ma", "zhu", "hu", "guo", "he", "lin", "luo", "gao", "zheng", "liang", "xie", "song",
	"tang", "han", "feng", "deng", "cao", "peng", "zeng", "xiao", "tian", "dong", "pan",
	"yuan", "cai", "jiang", "yu", "du", "ye", "cheng", "wei", "su", "lu", "ding", "ren",
	"shen", "yao", "jiang", "wei", "xiaoming", "xiaohong", "xiaoli", "xiaoyu", "xiaolong",
	"lili", "tingting", "jingjing", "yingying", "fangfang", "lingling", "dandan", "weiwei",
	"lei", "jun", "jie", "tao", "ming", "hua", "ping", "hong", "yan", "jing", "min", "qiang",
	"wei", "fang", "na", "xiuying", "guiying", "yong", "jianhua", "jianguo", "zhiqiang",
	"woaini", "woaini1314", "aini", "aiwo", "wode", "mima", "wodemima", "nihao", "baobei",
	"laopo", "laogong", "qinai", "xingfu", "kuaile", "pingan", "zhongguo", "beijing",
	"shanghai", "guangzhou", "shenzhen", "chengdu", "hangzhou", "wuhan", "nanjing", "tianjin",
	"chongqing", "xian", "taiwan", "hongkong", "tiantian", "haha", "hehe", "xixi", "yiyi",
	"qq", "weixin", "taobao", "zhifubao", "baidu", "tencent", "huawei", "xiaomi", "dengbao",
	"anquan", "guanliyuan", "yonghu", "mimamima", "asdasd", "aaaaaa", "zxczxc", "qweqwe",
}

// genCulture are teams, brands, games and films that show up in leaked lists.
var genCulture = []string{
	"liverpool", "arsenal", "chelsea", "manchester", "manutd", "barcelona", "realmadrid",
	"juventus", "milan", "bayern", "yankees", "redsox", "cowboys", "steelers", "packers",
	"lakers", "celtics", "bulls", "warriors", "ferrari", "porsche", "mercedes", "bmw",
	"toyota", "honda", "nissan", "ford", "mustang", "corvette", "harley", "yamaha",
	"google", "facebook", "microsoft", "apple", "iphone", "android", "windows", "linux",
	"ubuntu", "samsung", "nokia", "pokemon", "pikachu", "naruto", "minecraft", "fortnite",
	"roblox", "starwars", "batman", "superman", "spiderman", "ironman", "marvel", "avengers",
	"matrix", "gandalf", "frodo", "hogwarts", "harrypotter", "mickey", "mickeymouse",
	"snoopy", "garfield", "scooby", "simpsons", "southpark", "metallica", "nirvana",
	"eminem", "beatles", "elvis", "madonna", "zeppelin", "slipknot", "blink182",
	"jesus", "christ", "jesuschrist", "god", "godisgood", "allah", "buddha", "amen",
	"america", "usa", "canada", "london", "paris", "berlin", "tokyo", "newyork", "texas",
	"california", "florida", "chicago", "boston", "dallas", "atlanta", "miami", "denver",
	"seattle", "phoenix", "houston", "jersey", "england", "france", "germany", "china",
	"india", "russia", "brazil", "mexico", "australia", "japan", "korea", "italy", "spain",
}

// genExtra are well-known strings that fit no pattern above.
var genExtra = []string{
	"5201314", "1314520", "woaiwojia", "aaaaaaaa", "abcdefgh", "abcdefghij",
	"abcdefghijklmnop", "abcdefghijklmnopqrstuvwxyz", "zyxwvutsrqponmlkjihgfedcba",
	"a1b2c3d4", "a1b2c3d4e5", "a1b2c3d4e5f6", "1a2b3c4d", "1a2b3c4d5e", "q1w2e3r4t5",
	"passwordpassword", "trustno1trustno1", "iloveyouiloveyou", "letmeinletmein",
	"thequickbrownfox", "thequickbrownfoxjumpsoverthelazydog", "loremipsum",
	"loremipsumdolorsitamet", "opensesame", "hunter2hunter2", "qwertyqwerty",
	"147258369", "741852963", "963852741", "159357", "1597532486", "789456123", "456789123",
	"147852369", "258456", "321654987", "qazwsxedc", "qazxswedc", "zaq1zaq1", "1qaz1qaz",
	"!qaz2wsx", "1qaz!qaz", "p4ssw0rd", "passwort", "motdepasse", "contraseña", "senha123",
	"changeit", "changeme123", "welcome123", "admin123", "admin@123", "root123", "toor123",
	"administrator1", "superuser", "supervisor", "sysadmin", "webmaster", "manager1",
	"password!", "password1!", "password123!", "pa55word", "pa55w0rd", "iloveyou1",
}
