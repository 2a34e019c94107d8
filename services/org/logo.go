package org

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"time"

	"github.com/google/uuid"
	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"yima/access"
	"yima/fault"
	"yima/store"
	"yima/store/db"
)

// Bounds of org logos.
const (
	// MaxLogoBytes bounds an uploaded logo file.
	MaxLogoBytes = 512 << 10
	// MaxLogoSide is the longest side, in pixels, of a stored logo; larger
	// uploads are scaled down to it.
	MaxLogoSide = 512
	// minLogoSide refuses icons too small to show as a logo.
	minLogoSide = 16
	// maxLogoPixels refuses a small file that declares a huge image (a
	// decompression bomb) before it is decoded.
	maxLogoPixels = 6000 * 6000
)

// Logo is an org's stored logo: a PNG the service encoded itself.
type Logo struct {
	PNG []byte
	// Hash is the hex SHA-256 of PNG, the public URL's version and ETag.
	Hash      string
	UpdatedAt time.Time
}

// SetLogo replaces the org's logo with image, or removes it when image is
// empty, and returns the org with its new LogoHash. Callers as Update: the
// org's own leader or admin, or an overseer. Errors: invalid_argument
// (LOGO_TOO_LARGE, LOGO_NOT_IMAGE, LOGO_TYPE_INVALID, LOGO_TOO_SMALL),
// not_found (ORG_NOT_FOUND), permission_denied (NOT_IN_SCOPE).
func (s *Service) SetLogo(ctx context.Context, p *access.Principal, id uuid.UUID, image []byte) (Org, error) {
	var normalized []byte
	if len(image) > 0 {
		var err error
		if normalized, err = normalizeLogo(image); err != nil {
			return Org{}, err
		}
	}
	o, err := s.Get(ctx, id)
	if err != nil {
		return Org{}, err
	}
	if err := s.mayEdit(ctx, p, o); err != nil {
		return Org{}, err
	}
	if normalized == nil {
		if err := s.opt.Store.Q.DeleteOrgLogo(ctx, id); err != nil {
			return Org{}, fmt.Errorf("delete org logo: %w", err)
		}
		return o, nil
	}
	sum := sha256.Sum256(normalized)
	o.LogoHash = hex.EncodeToString(sum[:])
	err = s.opt.Store.Q.UpsertOrgLogo(ctx, db.UpsertOrgLogoParams{OrgID: id, Png: normalized, Hash: o.LogoHash, At: s.opt.Now()})
	if err != nil {
		return Org{}, fmt.Errorf("store org logo: %w", err)
	}
	return o, nil
}

// Logo returns an active org's logo for anyone. Errors: not_found
// (LOGO_NOT_FOUND) — also for orgs without a public page.
func (s *Service) Logo(ctx context.Context, id uuid.UUID) (Logo, error) {
	row, err := s.opt.Store.Q.GetOrgLogo(ctx, id)
	if store.IsNotFound(err) {
		return Logo{}, fault.New(fault.NotFound, "LOGO_NOT_FOUND", "该组织没有标志")
	}
	if err != nil {
		return Logo{}, fmt.Errorf("load org logo: %w", err)
	}
	return Logo{PNG: row.Png, Hash: row.Hash, UpdatedAt: row.UpdatedAt}, nil
}

// WithLogo returns o with its LogoHash filled in ("" without a logo).
func (s *Service) WithLogo(ctx context.Context, o Org) (Org, error) {
	h, err := s.opt.Store.Q.GetOrgLogoHash(ctx, o.ID)
	if err != nil && !store.IsNotFound(err) {
		return Org{}, fmt.Errorf("load org logo hash: %w", err)
	}
	o.LogoHash = h
	return o, nil
}

// normalizeLogo checks an uploaded logo — a PNG, JPEG or WebP of at most
// MaxLogoBytes, recognised by its content, not its name — and re-encodes
// it as a PNG no larger than MaxLogoSide on its longest side. Serving only
// what it encoded keeps whatever else the upload carried (metadata,
// trailing data, malformed chunks) away from every viewer. Errors:
// invalid_argument (LOGO_TOO_LARGE, LOGO_NOT_IMAGE, LOGO_TYPE_INVALID,
// LOGO_TOO_SMALL).
func normalizeLogo(b []byte) ([]byte, error) {
	if len(b) > MaxLogoBytes {
		return nil, fault.InvalidField("image", "LOGO_TOO_LARGE", fmt.Sprintf("标志图片不能超过 %d KB", MaxLogoBytes>>10))
	}
	var decodeConfig func(io.Reader) (image.Config, error)
	var decode func(io.Reader) (image.Image, error)
	switch ct := http.DetectContentType(b); ct {
	case "image/png":
		decodeConfig, decode = png.DecodeConfig, png.Decode
	case "image/jpeg":
		decodeConfig, decode = jpeg.DecodeConfig, jpeg.Decode
	case "image/webp":
		decodeConfig, decode = webp.DecodeConfig, webp.Decode
	default:
		if len(ct) > 6 && ct[:6] == "image/" {
			return nil, fault.InvalidField("image", "LOGO_TYPE_INVALID", "标志图片须为 PNG、JPEG 或 WebP 格式")
		}
		return nil, notImage()
	}
	cfg, err := decodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, notImage()
	}
	switch {
	case cfg.Width < minLogoSide || cfg.Height < minLogoSide:
		return nil, fault.InvalidField("image", "LOGO_TOO_SMALL", fmt.Sprintf("标志图片至少 %d×%d 像素", minLogoSide, minLogoSide))
	case cfg.Width*cfg.Height > maxLogoPixels:
		return nil, fault.InvalidField("image", "LOGO_TOO_LARGE", "标志图片的像素尺寸过大")
	}
	src, err := decode(bytes.NewReader(b))
	if err != nil {
		return nil, notImage()
	}
	w, h := fit(cfg.Width, cfg.Height, MaxLogoSide)
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	if w == cfg.Width && h == cfg.Height {
		draw.Copy(dst, image.Point{}, src, src.Bounds(), draw.Src, nil)
	} else {
		draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	}
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, dst); err != nil {
		return nil, fmt.Errorf("encode logo: %w", err)
	}
	return out.Bytes(), nil
}

func notImage() error {
	return fault.InvalidField("image", "LOGO_NOT_IMAGE", "无法识别的图片文件")
}

// fit scales w×h down to fit a side×side square, keeping the aspect.
func fit(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return w, h
	}
	if w >= h {
		return side, max(1, h*side/w)
	}
	return max(1, w*side/h), side
}
