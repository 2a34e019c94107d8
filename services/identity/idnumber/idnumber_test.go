package idnumber

import (
	"bytes"
	"errors"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// testNow is 2025-06-01 16:30 UTC, already 2025-06-02 00:30 in China, so the "today" cases also
// check that the date is judged in China's time zone.
var testNow = time.Date(2025, 6, 1, 16, 30, 0, 0, time.UTC)

// The numbers below were built by hand from GB 11643's rules (check characters computed with
// ISO 7064 MOD 11-2); TestGenerate covers numbers that Generate builds.
func TestParseAtValid(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		wantString string
		wantRegion string
		wantBirth  string
		wantMale   bool
	}{
		{"黄浦区男性", "310101199005171235", "310101199005171235", "310101", "1990-05-17", true},
		{"卢湾区（2011年撤销）", "310103197503020046", "310103197503020046", "310103", "1975-03-02", false},
		{"闸北区（2015年撤销）", "310108196811110454", "310108196811110454", "310108", "1968-11-11", true},
		{"南市区（2000年撤销）", "310102195506070318", "310102195506070318", "310102", "1955-06-07", true},
		{"吴淞区（1988年撤销）", "310111196001010126", "310111196001010126", "310111", "1960-01-01", false},
		{"南汇县（2001年撤县设区）", "310225196208150664", "310225196208150664", "310225", "1962-08-15", false},
		{"崇明县（2016年撤县设区）", "310230198808080882", "310230198808080882", "310230", "1988-08-08", false},
		{"崇明区", "310151201803010210", "310151201803010210", "310151", "2018-03-01", true},
		{"北京朝阳区", "110105194910010015", "110105194910010015", "110105", "1949-10-01", true},
		{"香港居民居住证", "810000198507060027", "810000198507060027", "810000", "1985-07-06", false},
		{"台湾居民居住证", "830000199001010039", "830000199001010039", "830000", "1990-01-01", true},
		{"末位X", "31011519880808004X", "31011519880808004X", "310115", "1988-08-08", false},
		{"小写x规范为X", "31011519880808004x", "31011519880808004X", "310115", "1988-08-08", false},
		{"全角数字与Ｘ", "３１０１１５１９８８０８０８００４ｘ", "31011519880808004X", "310115", "1988-08-08", false},
		{"首尾空白与全角空格", "\u3000 31011519880808004X\t\n", "31011519880808004X", "310115", "1988-08-08", false},
		{"闰年2月29日", "310104199202291235", "310104199202291235", "310104", "1992-02-29", true},
		{"2000年2月29日", "310104200002291236", "310104200002291236", "310104", "2000-02-29", true},
		{"北京时间今天出生", "310104202506021239", "310104202506021239", "310104", "2025-06-02", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ParseAt(tt.in, testNow)
			if err != nil {
				t.Fatalf("ParseAt(%q) error = %v, want nil", tt.in, err)
			}
			if got := n.String(); got != tt.wantString {
				t.Errorf("String() = %q, want %q", got, tt.wantString)
			}
			if got := n.Region(); got != tt.wantRegion {
				t.Errorf("Region() = %q, want %q", got, tt.wantRegion)
			}
			if got := n.BirthDate().Format(time.DateOnly); got != tt.wantBirth {
				t.Errorf("BirthDate() = %s, want %s", got, tt.wantBirth)
			}
			if _, off := n.BirthDate().Zone(); off != 8*60*60 {
				t.Errorf("BirthDate() offset = %d s, want UTC+8", off)
			}
			if got := n.Male(); got != tt.wantMale {
				t.Errorf("Male() = %v, want %v", got, tt.wantMale)
			}
		})
	}
}

func TestParseAtInvalid(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		wantReason string
	}{
		{"校验位错误", "310101199005171234", ReasonChecksum},
		{"校验位应为数字却是X", "31010119900517123X", ReasonChecksum},
		{"相邻数字对调", "310101199005711235", ReasonChecksum},
		{"2月30日", "310104199002301232", ReasonBirthDate},
		{"1900年不是闰年", "31010419000229123X", ReasonBirthDate},
		{"月份为00", "310104199000001236", ReasonBirthDate},
		{"13月", "310104199013011230", ReasonBirthDate},
		{"未来日期", "310104209901011235", ReasonBirthDate},
		{"北京时间明天出生", "310104202506031234", ReasonBirthDate},
		{"早于1900年", "310104189912311238", ReasonBirthDate},
		{"未知地区999999", "999999199005171239", ReasonRegion},
		{"地区000000", "000000199005171230", ReasonRegion},
		{"空串", "", ReasonFormat},
		{"只有空白", "   ", ReasonFormat},
		{"17位", "31010119900517123", ReasonFormat},
		{"19位", "3101011990051712350", ReasonFormat},
		{"15位旧号码", "310101900517123", ReasonFormat},
		{"中间有字母", "31010119900517A235", ReasonFormat},
		{"X不在末位", "3101011990051X1235", ReasonFormat},
		{"末位为Y", "31010119900517123Y", ReasonFormat},
		{"中间有空格", "310101 19900517123", ReasonFormat},
		{"中间有连字符", "310101-19900517123", ReasonFormat},
		{"非法UTF-8", "31010119900517123\xff", ReasonFormat},
		{"汉字", "上海市黄浦区人民大道二百号一号楼", ReasonFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ParseAt(tt.in, testNow)
			if err == nil {
				t.Fatalf("ParseAt(%q) = %v, want error %s", tt.in, n, tt.wantReason)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("ParseAt(%q) error %T is not *Error", tt.in, err)
			}
			if e.Reason != tt.wantReason {
				t.Errorf("Reason = %s, want %s (%v)", e.Reason, tt.wantReason, err)
			}
			if e.Message == "" || !utf8.ValidString(e.Message) {
				t.Errorf("Message = %q, want a Chinese sentence", e.Message)
			}
			if len(tt.in) >= 17 && strings.Contains(err.Error(), tt.in[:17]) {
				t.Errorf("Error() = %q quotes the number", err.Error())
			}
			if n != (Number{}) {
				t.Errorf("ParseAt returned %v with an error, want the zero Number", n)
			}
		})
	}
}

// Validate and Parse read the clock, so they get numbers whose verdict cannot change with it.
func TestValidate(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		wantReason string
	}{
		{"有效", "310101199005171235", ""},
		{"校验位错误", "310101199005171234", ReasonChecksum},
		{"未来日期", "310104209901011235", ReasonBirthDate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.in)
			_, parseErr := Parse(tt.in)
			if tt.wantReason == "" {
				if err != nil || parseErr != nil {
					t.Errorf("Validate, Parse = %v, %v, want nil", err, parseErr)
				}
				return
			}
			want := &Error{Reason: tt.wantReason}
			if !errors.Is(err, want) || !errors.Is(parseErr, want) {
				t.Errorf("Validate, Parse = %v, %v, want reason %s", err, parseErr, tt.wantReason)
			}
		})
	}
}

func TestErrorIs(t *testing.T) {
	err := Validate("310101199005171234")
	if !errors.Is(err, &Error{Reason: ReasonChecksum}) {
		t.Errorf("errors.Is(%v, checksum) = false, want true", err)
	}
	if errors.Is(err, &Error{Reason: ReasonRegion}) {
		t.Errorf("errors.Is(%v, region) = true, want false", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Message != "身份证号码校验位错误" {
		t.Errorf("Message = %q, want 身份证号码校验位错误", e.Message)
	}
}

func TestGenerate(t *testing.T) {
	r := rand.New(rand.NewPCG(20250601, 1))
	for _, d := range ShanghaiDistricts() {
		for _, male := range []bool{true, false} {
			birth := time.Date(1930+r.IntN(78), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
			s := Generate(r, d.Code, birth, male)
			t.Run(d.Name+"/"+s, func(t *testing.T) {
				n, err := ParseAt(s, testNow)
				if err != nil {
					t.Fatalf("ParseAt(Generate(%s, %s, %v)) error = %v", d.Code, birth.Format(time.DateOnly), male, err)
				}
				if got, want := n.Region(), d.Code; got != want {
					t.Errorf("Region() = %s, want %s", got, want)
				}
				if got, want := n.BirthDate().Format(time.DateOnly), birth.Format(time.DateOnly); got != want {
					t.Errorf("BirthDate() = %s, want %s", got, want)
				}
				if got := n.Male(); got != male {
					t.Errorf("Male() = %v, want %v", got, male)
				}
			})
		}
	}
}

func TestGenerateDeterministic(t *testing.T) {
	gen := func() []string {
		r := rand.New(rand.NewPCG(7, 7))
		var out []string
		for i := range 50 {
			out = append(out, Generate(r, "310104", time.Date(1980+i, 1, 1, 0, 0, 0, 0, time.UTC), i%2 == 0))
		}
		return out
	}
	if got, want := gen(), gen(); !slices.Equal(got, want) {
		t.Errorf("two runs with one seed differ:\n%v\n%v", got, want)
	}
}

// Generate leaves region and date to the caller, so it can build numbers that fail only those
// rules, with a correct check character.
func TestGenerateFailsOnlyTheRuleItBreaks(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name       string
		region     string
		birth      time.Time
		wantReason string
	}{
		{"未知地区", "999999", time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC), ReasonRegion},
		{"未来日期", "310101", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), ReasonBirthDate},
		{"1899年", "310101", time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC), ReasonBirthDate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseAt(Generate(r, tt.region, tt.birth, true), testNow)
			if !errors.Is(err, &Error{Reason: tt.wantReason}) {
				t.Errorf("error = %v, want reason %s", err, tt.wantReason)
			}
		})
	}
}

func TestGeneratePanicsOnBadInput(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ok := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		region string
		birth  time.Time
	}{
		{"地区5位", "31010", ok},
		{"地区含字母", "31010A", ok},
		{"年份3位", "310101", time.Date(999, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Generate(%q, %v) did not panic", tt.region, tt.birth)
				}
			}()
			Generate(r, tt.region, tt.birth, false)
		})
	}
}

func TestMask(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"18位", "310101199005171235", "310***********1235"},
		{"末位小写x不校验", "31011519880808004x", "310***********004x"},
		{"校验位错误也照样遮蔽", "310101199005171234", "310***********1234"},
		{"15位旧号码", "310101900517123", "310********7123"},
		{"14位全部遮蔽", "31010190051712", "**************"},
		{"短串全部遮蔽", "12345", "*****"},
		{"空串", "", ""},
		{"按字符而非字节", "３１０１０１１９９００５１７１２３５", "３１０***********１２３５"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Mask(tt.in); got != tt.want {
				t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNumberMaskedAndLogValue(t *testing.T) {
	n, err := ParseAt("31011519880808004x", testNow)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := n.Masked(), "310***********004X"; got != want {
		t.Errorf("Masked() = %q, want %q", got, want)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("registered", "id_number", n)
	if got := buf.String(); strings.Contains(got, n.String()) || !strings.Contains(got, n.Masked()) {
		t.Errorf("slog output %q, want the masked number only", got)
	}
}

func TestZeroNumber(t *testing.T) {
	var n Number
	if n.String() != "" || n.Region() != "" || n.Male() || !n.BirthDate().IsZero() || n.Masked() != "" {
		t.Errorf("zero Number = {%q %q %v %v %q}, want all empty", n.String(), n.Region(), n.Male(), n.BirthDate(), n.Masked())
	}
}

func TestRegionName(t *testing.T) {
	tests := []struct {
		code     string
		wantName string
		wantOK   bool
	}{
		{"310000", "上海市", true},
		{"310101", "黄浦区", true},
		{"310102", "南市区", true},
		{"310103", "卢湾区", true},
		{"310108", "闸北区", true},
		{"310111", "吴淞区", true},
		{"310119", "南汇区", true},
		{"310151", "崇明区", true},
		{"310225", "南汇县", true},
		{"310226", "奉贤县", true},
		{"310230", "崇明县", true},
		{"110105", "朝阳区", true},
		{"999999", "", false},
		{"31010", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			name, ok := RegionName(tt.code)
			if name != tt.wantName || ok != tt.wantOK {
				t.Errorf("RegionName(%q) = %q, %v, want %q, %v", tt.code, name, ok, tt.wantName, tt.wantOK)
			}
		})
	}
}

func TestShanghaiDistricts(t *testing.T) {
	ds := ShanghaiDistricts()
	if len(ds) != 16 {
		t.Fatalf("len = %d, want 16", len(ds))
	}
	for i, d := range ds {
		if name, ok := RegionName(d.Code); !ok || name != d.Name {
			t.Errorf("%s %s: table has %q, %v", d.Code, d.Name, name, ok)
		}
		if i > 0 && ds[i-1].Code >= d.Code {
			t.Errorf("%s after %s: want ascending codes", d.Code, ds[i-1].Code)
		}
	}
	ds[0].Name = "changed"
	if ShanghaiDistricts()[0].Name != "黄浦区" {
		t.Error("ShanghaiDistricts shares its backing array between calls")
	}
}

// The embedded table is data a generator wrote; check its shape so a bad regeneration fails here
// rather than as a wrong validation answer.
func TestRegionsTable(t *testing.T) {
	if len(regionsTxt) > 300<<10 {
		t.Errorf("regions.txt is %d bytes, want at most 300 KiB", len(regionsTxt))
	}
	prev := ""
	count := 0
	for line := range strings.Lines(regionsTxt) {
		line = strings.TrimSuffix(line, "\n")
		if strings.HasPrefix(line, "#") {
			continue
		}
		code, name, ok := strings.Cut(line, " ")
		if !ok || len(code) != 6 || !allDigits(code) || name == "" || strings.TrimSpace(name) != name {
			t.Errorf("malformed line %q", line)
			continue
		}
		if code <= prev {
			t.Errorf("code %s after %s: want strictly ascending", code, prev)
		}
		prev = code
		count++
	}
	if count < 7000 {
		t.Errorf("%d codes, want the full current and historical table (over 7000)", count)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"310101199005171235", "31011519880808004x", "３１０１１５１９８８０８０８００４ｘ",
		"310101199005171234", "310104199002301232", "999999199005171239", "310104209901011235",
		"310101900517123", "", "\u3000", "31010119900517123\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		masked := Mask(s)
		if utf8.RuneCountInString(masked) != utf8.RuneCountInString(s) {
			t.Errorf("Mask(%q) = %q changes the length", s, masked)
		}
		n, err := ParseAt(s, testNow)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Message == "" {
				t.Fatalf("ParseAt(%q) error %v is not an *Error with a message", s, err)
			}
			return
		}
		norm := n.String()
		if len(norm) != 18 || !allDigits(norm[:17]) {
			t.Fatalf("ParseAt(%q).String() = %q, not normalized", s, norm)
		}
		again, err := ParseAt(norm, testNow)
		if err != nil {
			t.Fatalf("normalized %q no longer parses: %v", norm, err)
		}
		if again.String() != norm || !again.BirthDate().Equal(n.BirthDate()) || again.Male() != n.Male() || again.Region() != n.Region() {
			t.Fatalf("round trip of %q: got %+v, want %+v", s, again, n)
		}
		if _, ok := RegionName(n.Region()); !ok {
			t.Fatalf("accepted %q with unknown region %s", s, n.Region())
		}
		if n.BirthDate().After(testNow) || n.BirthDate().Year() < 1900 {
			t.Fatalf("accepted %q with birth date %v", s, n.BirthDate())
		}
		if got := n.Masked(); got != norm[:3]+"***********"+norm[14:] {
			t.Fatalf("Masked() = %q for %q", got, norm)
		}
	})
}
