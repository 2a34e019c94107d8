package codes_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"yima/engine/codes"
	"yima/keyring"
)

// A volunteer's phone shows a code; staff scan it; the server verifies it,
// then checks the epoch against the volunteer's current one.
func ExampleCodes_Verify() {
	dir, _ := os.MkdirTemp("", "keys")
	defer os.RemoveAll(dir)
	keys, err := keyring.LoadOrCreateDev(dir)
	if err != nil {
		log.Fatal(err)
	}
	c, err := codes.New(keys.Code(), keys.Sign())
	if err != nil {
		log.Fatal(err)
	}

	volunteer := [16]byte{0x01, 0x23, 15: 0x10}
	shownAt := time.Date(2025, 3, 5, 9, 30, 10, 0, time.UTC)
	payload, expiresAt := c.Issue(volunteer, 3, shownAt)
	fmt.Println(len(payload), payload[:4], expiresAt.Format(time.TimeOnly))

	scannedAt := shownAt.Add(20 * time.Second)
	claim, err := c.Verify(payload, scannedAt)
	if err != nil {
		fmt.Println("rejected:", codes.Reason(err))
		return
	}
	fmt.Println(claim.VolunteerID == volunteer, claim.Epoch)

	// The volunteer was deactivated since: their epoch moved on.
	fmt.Println(codes.Reason(claim.CheckEpoch(4)))

	// A screenshot passed around a minute later.
	_, err = c.Verify(payload, scannedAt.Add(time.Minute))
	fmt.Println(codes.Reason(err), errors.Is(err, codes.ErrExpired))
	// Output:
	// 60 YV1. 09:31:00
	// true 3
	// CODE_REVOKED
	// CODE_EXPIRED true
}

// A project's printed code is verified by anyone holding the published
// public key, here as a third party would: from the PEM and kid alone.
func ExampleStaticVerifier_Verify() {
	dir, _ := os.MkdirTemp("", "keys")
	defer os.RemoveAll(dir)
	keys, err := keyring.LoadOrCreateDev(dir)
	if err != nil {
		log.Fatal(err)
	}
	c, err := codes.New(keys.Code(), keys.Sign())
	if err != nil {
		log.Fatal(err)
	}
	project := [16]byte{0x50, 15: 0x01}
	payload, err := c.IssueProjectCode(project)
	if err != nil {
		log.Fatal(err)
	}

	// What the third party has: the published PEM and its kid.
	key, err := codes.ParsePublicKeyPEM(keys.Sign().ID(), c.PublicKeyPEM())
	if err != nil {
		log.Fatal(err)
	}
	v, err := codes.NewStaticVerifier([]codes.VerifyKey{key})
	if err != nil {
		log.Fatal(err)
	}
	claim, err := v.Verify(payload)
	fmt.Println(len(payload), payload[:4], claim.Kind, claim.ID == project, err)

	kind, _ := codes.Parse(payload)
	fmt.Println(kind)
	// Output:
	// 134 YP1. project true <nil>
	// project
}

// Render a payload for a phone screen (PNG) and for print (SVG).
func ExampleQRPNG() {
	payload := "YV1.AEASGRLHRGV433763S5JQ5SUGIIAAAAAA4BXLGTUYRTWFJLCDVIUH63E"
	img, err := codes.QRPNG(payload, 296) // 8 px a module: 29 modules + 2×4 quiet
	if err != nil {
		log.Fatal(err)
	}
	svg, err := codes.QRSVG(payload)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(img[1:4]), string(svg[:4]))
	// Output: PNG <svg
}
