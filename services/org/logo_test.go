package org

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"testing"

	"yima/access"
	"yima/fault"
)

func TestNormalizeLogo(t *testing.T) {
	t.Parallel()
	// testdata/gopher.lossless.webp is x/image's
	// testdata/gopher-doc.1bpp.lossless.webp (BSD-3-Clause), 75×100.
	webpFile, err := os.ReadFile("testdata/gopher.lossless.webp")
	if err != nil {
		t.Fatal(err)
	}
	huge := encodePNG(t, 64, 64)
	setPNGSize(huge, 7000, 7000)
	for _, tc := range []struct {
		name         string
		in           []byte
		wantW, wantH int
		reason       string
	}{
		{"PNG 原尺寸", encodePNG(t, 64, 48), 64, 48, ""},
		{"JPEG 缩到 512", encodeImage(t, 1024, 512, encodeJPEG), 512, 256, ""},
		{"竖图缩到 512", encodePNG(t, 300, 900), 170, 512, ""},
		{"WebP", webpFile, 75, 100, ""},
		{"过大", append(encodePNG(t, 64, 64), make([]byte, MaxLogoBytes)...), 0, 0, "LOGO_TOO_LARGE"},
		{"像素过多", huge, 0, 0, "LOGO_TOO_LARGE"},
		{"不是图片", []byte("%PDF-1.7 这不是图片"), 0, 0, "LOGO_NOT_IMAGE"},
		{"损坏的 PNG", encodePNG(t, 64, 64)[:60], 0, 0, "LOGO_NOT_IMAGE"},
		{"GIF 不支持", encodeImage(t, 32, 32, encodeGIF), 0, 0, "LOGO_TYPE_INVALID"},
		{"太小", encodePNG(t, 8, 8), 0, 0, "LOGO_TOO_SMALL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := normalizeLogo(tc.in)
			wantFault(t, "normalizeLogo", err, fault.Invalid, tc.reason)
			if err != nil {
				return
			}
			img, err := png.Decode(bytes.NewReader(got))
			if err != nil {
				t.Fatalf("stored logo is not a PNG: %v", err)
			}
			if b := img.Bounds(); b.Dx() != tc.wantW || b.Dy() != tc.wantH {
				t.Errorf("stored logo is %d×%d, want %d×%d", b.Dx(), b.Dy(), tc.wantW, tc.wantH)
			}
		})
	}
}

// TestSetLogo stores, replaces and removes logos: the org's own leader or
// admin and an overseer may; a sibling org's leader and staff without scope
// may not; the public views carry the hash.
func TestSetLogo(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	logo := encodePNG(t, 32, 32)
	for _, tc := range []struct {
		name   string
		as     *access.Principal
		kind   fault.Kind
		reason string
	}{
		{"本组织负责人", f.streetLead, 0, ""},
		{"上级组织", f.districtLeader, 0, ""},
		{"后台", f.staffAll, 0, ""},
		{"平级组织负责人", f.siblingLeader, fault.PermissionDenied, "NOT_IN_SCOPE"},
		{"别区组织负责人", f.otherLeader, fault.PermissionDenied, "NOT_IN_SCOPE"},
		{"无范围后台", f.staffNone, fault.PermissionDenied, "NOT_IN_SCOPE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := f.svc.SetLogo(ctx, tc.as, f.street, logo)
			wantFault(t, "SetLogo", err, tc.kind, tc.reason)
			if err == nil && len(o.LogoHash) != 64 {
				t.Errorf("LogoHash = %q, want a hex SHA-256", o.LogoHash)
			}
		})
	}
	if _, err := f.svc.SetLogo(ctx, f.siblingLeader, f.sibling, []byte("not an image")); fault.ReasonOf(err) != "LOGO_NOT_IMAGE" {
		t.Errorf("SetLogo with text: %v, want LOGO_NOT_IMAGE", err)
	}

	t.Run("读取与公开视图", func(t *testing.T) {
		set, err := f.svc.SetLogo(ctx, f.streetLead, f.street, encodePNG(t, 40, 40))
		if err != nil {
			t.Fatal(err)
		}
		l, err := f.svc.Logo(ctx, f.street)
		if err != nil {
			t.Fatal(err)
		}
		if l.Hash != set.LogoHash {
			t.Errorf("Logo hash %s, SetLogo said %s", l.Hash, set.LogoHash)
		}
		if img, err := png.Decode(bytes.NewReader(l.PNG)); err != nil || img.Bounds().Dx() != 40 {
			t.Errorf("stored logo does not decode as the 40×40 PNG sent: %v", err)
		}
		got, err := f.svc.Get(ctx, f.street)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ = f.svc.WithLogo(ctx, got); got.LogoHash != set.LogoHash {
			t.Errorf("WithLogo hash %q, want %q", got.LogoHash, set.LogoHash)
		}
		pub, err := f.svc.GetPublic(ctx, f.street, nil)
		if err != nil {
			t.Fatal(err)
		}
		if pub.LogoHash != set.LogoHash {
			t.Errorf("public org hash %q, want %q", pub.LogoHash, set.LogoHash)
		}
		found, _, err := f.svc.SearchPublic(ctx, PublicFilter{NameContains: "街道", PageSize: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range found {
			if want := map[bool]string{true: set.LogoHash}[o.ID == f.street]; o.LogoHash != want {
				t.Errorf("search row %s has logo hash %q, want %q", o.Name, o.LogoHash, want)
			}
		}
	})

	t.Run("删除", func(t *testing.T) {
		o, err := f.svc.SetLogo(ctx, f.streetLead, f.street, nil)
		if err != nil {
			t.Fatal(err)
		}
		if o.LogoHash != "" {
			t.Errorf("LogoHash after removal = %q", o.LogoHash)
		}
		if _, err := f.svc.Logo(ctx, f.street); fault.ReasonOf(err) != "LOGO_NOT_FOUND" {
			t.Errorf("Logo after removal: %v, want LOGO_NOT_FOUND", err)
		}
	})

	t.Run("停用组织不公开标志", func(t *testing.T) {
		if _, err := f.svc.SetLogo(ctx, f.siblingLeader, f.sibling, logo); err != nil {
			t.Fatal(err)
		}
		if _, err := f.st.Pool.Exec(ctx, `UPDATE org.org SET status = 'deactivated' WHERE id = $1`, f.sibling); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Logo(ctx, f.sibling); fault.ReasonOf(err) != "LOGO_NOT_FOUND" {
			t.Errorf("Logo of a deactivated org: %v, want LOGO_NOT_FOUND", err)
		}
	})
}

func testImage(w, h int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{R: uint8(x), G: uint8(y), B: 200, A: 255})
		}
	}
	return img
}

func encodeImage(t *testing.T, w, h int, enc func(io.Writer, image.Image) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := enc(&b, testImage(w, h)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t *testing.T, w, h int) []byte { return encodeImage(t, w, h, png.Encode) }

func encodeJPEG(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, nil) }

func encodeGIF(w io.Writer, m image.Image) error { return gif.Encode(w, m, nil) }

// setPNGSize rewrites a PNG's declared size (IHDR) and the chunk's CRC: a
// small file that claims a huge image.
func setPNGSize(b []byte, w, h uint32) {
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
}
