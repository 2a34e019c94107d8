package codes_test

import (
	"testing"

	"yima/engine/codes"
)

func BenchmarkIssueVolunteer(b *testing.B) {
	c := codes.FixtureCodes(b)
	b.ReportAllocs()
	for b.Loop() {
		c.Issue(codes.Volunteer1, 7, codes.T0)
	}
}

func BenchmarkVerifyVolunteer(b *testing.B) {
	c := codes.FixtureCodes(b)
	p, _ := c.Issue(codes.Volunteer1, 7, codes.T0)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Verify(p, codes.T0); err != nil {
			b.Fatal(err)
		}
	}
}

// Many volunteers at once: no shared lock or cache line on the path.
func BenchmarkVerifyVolunteerParallel(b *testing.B) {
	c := codes.FixtureCodes(b)
	payloads := make([]string, 1024)
	for i := range payloads {
		payloads[i], _ = c.Issue([16]byte{byte(i), byte(i >> 8)}, 7, codes.T0)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := c.Verify(payloads[i%len(payloads)], codes.T0); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

func BenchmarkVerifyStaticCached(b *testing.B) {
	c := codes.FixtureCodes(b)
	p, _ := c.IssueProjectCode(codes.Project1)
	if _, err := c.VerifyStatic(p); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.VerifyStatic(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyStaticCachedParallel(b *testing.B) {
	c := codes.FixtureCodes(b)
	payloads := make([]string, 64)
	for i := range payloads {
		payloads[i], _ = c.IssueProjectCode([16]byte{byte(i)})
		if _, err := c.VerifyStatic(payloads[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := c.VerifyStatic(payloads[i%len(payloads)]); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

func BenchmarkVerifyStaticUncached(b *testing.B) {
	c := codes.FixtureCodes(b, codes.WithStaticCacheSize(0))
	p, _ := c.IssueProjectCode(codes.Project1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.VerifyStatic(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIssueProjectCode(b *testing.B) {
	c := codes.FixtureCodes(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.IssueProjectCode(codes.Project1); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQRPNG(b *testing.B) {
	c := codes.FixtureCodes(b)
	p, _ := c.Issue(codes.Volunteer1, 7, codes.T0)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := codes.QRPNG(p, 296); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQRSVG(b *testing.B) {
	c := codes.FixtureCodes(b)
	p, _ := c.IssueProjectCode(codes.Project1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := codes.QRSVG(p); err != nil {
			b.Fatal(err)
		}
	}
}
