// Package paging turns list requests' page_size and page_token into limits
// and offsets, and back. Tokens are opaque to clients.
package paging

import (
	"encoding/base64"
	"strconv"

	"yima/fault"
)

// Default and Max bound a page's size.
const (
	Default = 50
	Max     = 200
)

// Page is a decoded request: fetch Limit+1 rows from Offset to learn
// whether another page follows.
type Page struct {
	Offset int32
	Limit  int32
}

// Parse validates size and token.
func Parse(size int32, tok string) (Page, error) {
	switch {
	case size < 0:
		return Page{}, fault.InvalidField("page_size", "PAGE_SIZE_INVALID", "每页条数不能为负")
	case size == 0:
		size = Default
	case size > Max:
		size = Max
	}
	p := Page{Limit: size}
	if tok == "" {
		return p, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err == nil {
		var n int64
		n, err = strconv.ParseInt(string(b), 10, 32)
		p.Offset = int32(n)
		if err == nil && n < 0 {
			err = strconv.ErrRange
		}
	}
	if err != nil {
		return Page{}, fault.InvalidField("page_token", "PAGE_TOKEN_INVALID", "分页标记无效")
	}
	return p, nil
}

// Fetch is how many rows to ask for: one more than the page.
func (p Page) Fetch() int32 { return p.Limit + 1 }

// Next trims rows fetched with Fetch to the page and returns the token of
// the following page, "" on the last one.
func Next[T any](p Page, rows []T) ([]T, string) {
	if int32(len(rows)) <= p.Limit {
		return rows, ""
	}
	return rows[:p.Limit], base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(int64(p.Offset+p.Limit), 10)))
}
