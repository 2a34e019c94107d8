package sensitive_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"yima/sensitive"
)

func TestMaskIDNumber(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"十八位", "31010119900307123X", "310***********123X"},
		{"十五位旧号", "310101900307123", "310********7123"},
		{"过短全遮", "3101011", "*******"},
		{"八位", "31010119", "310*0119"},
		{"空", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sensitive.MaskIDNumber(tt.in); got != tt.want {
				t.Errorf("MaskIDNumber(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"手机", "13812345678", "138****5678"},
		{"座机", "02163211234", "021****1234"},
		{"过短全遮", "1234567", "*******"},
		{"空", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sensitive.MaskPhone(tt.in); got != tt.want {
				t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMaskName(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"两字", "张三", "张*"},
		{"三字", "李小龙", "李**"},
		{"复姓四字", "欧阳娜娜", "欧阳**"},
		{"复姓三字", "诸葛亮", "诸葛*"},
		{"只有复姓", "欧阳", "欧*"},
		{"单字", "张", "*"},
		{"少数民族姓名", "买买提·艾力", "买*****"},
		{"拉丁字母", "Alice", "A****"},
		{"空", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sensitive.MaskName(tt.in); got != tt.want {
				t.Errorf("MaskName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeIDNumber(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"已规范", "11010519491231002X", "11010519491231002X"},
		{"小写x", "11010519491231002x", "11010519491231002X"},
		{"首尾空格", " 11010519491231002X\t", "11010519491231002X"},
		{"中间空格", "110105 19491231 002X", "11010519491231002X"},
		{"全角", "１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"},
		{"全角空格", "110105\u300019491231002X", "11010519491231002X"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sensitive.NormalizeIDNumber(tt.in); got != tt.want {
				t.Errorf("NormalizeIDNumber(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"已规范", "13812345678", "13812345678"},
		{"空格连字符", "138 1234-5678", "13812345678"},
		{"国家码", "+86 138 1234 5678", "13812345678"},
		{"0086", "008613812345678", "13812345678"},
		{"全角", "１３８－１２３４－５６７８", "13812345678"},
		{"座机", "(021) 6321-1234", "02163211234"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sensitive.NormalizePhone(tt.in); got != tt.want {
				t.Errorf("NormalizePhone(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSecret(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"身份证号", "31010119900307123X", "310***********123X"},
		{"手机号", "13812345678", "138****5678"},
		{"姓名", "王小明", "王**"},
		{"单字", "王", "*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sensitive.Secret(tt.in)
			var logs bytes.Buffer
			slog.New(slog.NewTextHandler(&logs, nil)).Info("login", "id", s, slog.Group("g", "v", s))
			out := logs.String() + fmt.Sprintf("%v %s %q %+v %#v", s, s, s, s, s) +
				fmt.Sprint(s) + fmt.Sprintf("%v", struct{ S sensitive.Secret }{s})
			if strings.Contains(out, tt.in) {
				t.Fatalf("plaintext %q reached output:\n%s", tt.in, out)
			}
			if got := s.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if !strings.Contains(logs.String(), "id="+tt.want) {
				t.Errorf("log = %q, want id=%s", logs.String(), tt.want)
			}
		})
	}
}
