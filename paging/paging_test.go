package paging

import "testing"

func TestParseAndNext(t *testing.T) {
	p, err := Parse(2, "")
	if err != nil {
		t.Fatal(err)
	}
	rows, next := Next(p, []int{1, 2, 3})
	if len(rows) != 2 || next == "" {
		t.Fatalf("first page = %v, %q; want 2 rows and a token", rows, next)
	}
	p2, err := Parse(2, next)
	if err != nil {
		t.Fatal(err)
	}
	if p2.Offset != 2 {
		t.Errorf("offset = %d, want 2", p2.Offset)
	}
	if _, next := Next(p2, []int{3}); next != "" {
		t.Errorf("last page token = %q, want empty", next)
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name string
		size int32
		tok  string
	}{
		{"负的页大小", -1, ""},
		{"乱码标记", 10, "!!"},
		{"负偏移", 10, "LTU"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse(tt.size, tt.tok); err == nil {
				t.Errorf("Parse(%d, %q) = nil error, want one", tt.size, tt.tok)
			}
		})
	}
	if p, _ := Parse(1000, ""); p.Limit != Max {
		t.Errorf("Parse(1000).Limit = %d, want %d", p.Limit, Max)
	}
}
