package demo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"

	"github.com/jackc/pgx/v5"
)

// logoSide is the demo logos' size in pixels.
const logoSide = 128

// logos gives the district volunteer associations a drawn logo (V4): a
// heart on a disc in a colour of the district, so the org pages show both
// logos and the name badges of orgs without one. The drawing depends on
// the district's index only, so loads are deterministic.
func (w *writer) logos(ctx context.Context) error {
	var rows [][]any
	for _, o := range w.ds.orgs {
		if o.level != levelDistrict {
			continue
		}
		b, err := drawLogo(float64(o.district) / float64(len(districts)))
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		rows = append(rows, []any{pgID(o.id), b, hex.EncodeToString(sum[:]), w.ds.now})
	}
	_, err := w.tx.CopyFrom(ctx, pgx.Identifier{"org", "logo"}, []string{"org_id", "png", "hash", "updated_at"}, pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("copy into org.logo: %w", err)
	}
	return nil
}

// drawLogo paints a white heart on a disc of the given hue (0–1) with a
// white ring, transparent around it, sampling each pixel 4×4 times for
// smooth edges.
func drawLogo(hue float64) ([]byte, error) {
	const n = 4
	fill := hsv(hue, 0.62, 0.86)
	img := image.NewNRGBA(image.Rect(0, 0, logoSide, logoSide))
	for py := range logoSide {
		for px := range logoSide {
			var disc, white float64
			for sy := range n {
				for sx := range n {
					// x, y in [-1, 1], y up.
					x := (float64(px)+(float64(sx)+0.5)/n)/logoSide*2 - 1
					y := 1 - (float64(py)+(float64(sy)+0.5)/n)/logoSide*2
					r := math.Hypot(x, y)
					if r > 0.98 {
						continue
					}
					disc++
					// The heart curve (x²+y²−1)³ = x²y³, scaled into the disc.
					hx, hy := x/0.52, (y+0.08)/0.52
					q := hx*hx + hy*hy - 1
					if (r > 0.84 && r < 0.9) || q*q*q-hx*hx*hy*hy*hy <= 0 {
						white++
					}
				}
			}
			if disc == 0 {
				continue
			}
			t := white / disc
			mix := func(a uint8) uint8 { return uint8(float64(a)*(1-t) + 255*t + 0.5) }
			img.SetNRGBA(px, py, color.NRGBA{R: mix(fill.R), G: mix(fill.G), B: mix(fill.B), A: uint8(255*disc/(n*n) + 0.5)})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("encode demo logo: %w", err)
	}
	return b.Bytes(), nil
}

// hsv converts a colour from hue, saturation and value, each 0–1.
func hsv(h, s, v float64) color.NRGBA {
	i := math.Floor(h * 6)
	f := h*6 - i
	p, q, t := v*(1-s), v*(1-f*s), v*(1-(1-f)*s)
	var r, g, b float64
	switch int(i) % 6 {
	case 0:
		r, g, b = v, t, p
	case 1:
		r, g, b = q, v, p
	case 2:
		r, g, b = p, v, t
	case 3:
		r, g, b = p, q, v
	case 4:
		r, g, b = t, p, v
	default:
		r, g, b = v, p, q
	}
	return color.NRGBA{R: uint8(r*255 + 0.5), G: uint8(g*255 + 0.5), B: uint8(b*255 + 0.5), A: 255}
}
