package token_test

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"yima/keyring"
	"yima/services/identity/token"
)

func ExampleSigner() {
	// In the server the key comes from keyring.Keyring.Token().
	key, err := keyring.NewKey(1, bytes.Repeat([]byte{0x42}, keyring.KeySize))
	if err != nil {
		panic(err)
	}
	signer, err := token.NewSigner(key)
	if err != nil {
		panic(err)
	}
	session, _ := token.ParseID("0195a3c2-7e41-7c6e-9a3b-2f1d5e8c4b7a")
	issued := time.Date(2025, 3, 5, 9, 30, 0, 0, time.UTC)
	tok, err := signer.Sign(token.Claims{
		SessionID:   session,
		AccountKind: 1,
		IssuedAt:    issued,
		ExpiresAt:   issued.Add(12 * time.Hour),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(tok)

	// Every request: verify, then ask the revocation set about the session.
	var revoked token.Revocations
	c, err := signer.Verify(tok, issued.Add(time.Hour))
	fmt.Println(token.FormatID(c.SessionID), err, revoked.Revoked(c.SessionID))

	// Logging out revokes the session until its token would expire anyway.
	revoked.Revoke(c.SessionID, c.ExpiresAt)
	fmt.Println(revoked.Revoked(c.SessionID))

	_, err = signer.Verify(tok, issued.Add(13*time.Hour))
	fmt.Println(errors.Is(err, token.ErrExpired))
	// Output:
	// y1.AQGVo8J-QXxumjsvHV6MS3oAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEAAAAAZ8gZmAAAAABnyMJY.Jy8Ulr5Z7bTI3K3pDznoqQ
	// 0195a3c2-7e41-7c6e-9a3b-2f1d5e8c4b7a <nil> false
	// true
	// true
}
