package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Mint returns an HS256 token signed with secret, for senders of a tap that
// uses TAP_JWT_SECRET (the "token" command). It carries "sub" and/or "email"
// (at least one is required), "iat" and "nbf" at now, "exp" at now+ttl, and
// "iss" and "aud" when not empty. The secret must be at least 32 bytes, as
// NewVerifier requires.
func Mint(secret string, subject, email string, ttl time.Duration, issuer, audience string, now time.Time) (string, error) {
	switch {
	case len(secret) < minSecretBytes:
		return "", fmt.Errorf("auth: mint: secret of %d bytes is too short (at least %d)", len(secret), minSecretBytes)
	case subject == "" && email == "":
		return "", errors.New("auth: mint: give a subject or an email")
	case ttl <= 0:
		return "", fmt.Errorf("auth: mint: ttl %s is not positive", ttl)
	}
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   subject,
			Issuer:    issuer,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
		Email: email,
	}
	if audience != "" {
		c.Audience = jwt.ClaimStrings{audience}
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(secret))
	if err != nil {
		return "", fmt.Errorf("auth: mint: %w", err)
	}
	return token, nil
}
