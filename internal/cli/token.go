package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/datatap/datatap/internal/auth"
	"github.com/datatap/datatap/internal/config"
)

const tokenUsage = `datatap token (-email ADDRESS | -sub SUBJECT) [-ttl DURATION]

Mints an HS256 token signed with TAP_JWT_SECRET (with TAP_JWT_ISSUER and
TAP_JWT_AUDIENCE when set): what an owner hands to a sender. The sender's
identity (the email, else the subject) must be in the tap's TAP_ACL.`

// Token is the token command.
func Token(ctx context.Context, args []string, std Streams) error {
	fs := newFlagSet("token", tokenUsage)
	email := fs.String("email", "", "the sender's email (its identity)")
	sub := fs.String("sub", "", "the sender's subject (its identity when there is no email)")
	ttl := fs.Duration("ttl", 30*24*time.Hour, "how long the token is valid")
	if err := parseFlags(fs, args, std); err != nil {
		return err
	}
	if *email == "" && *sub == "" {
		fs.Usage()
		return &ExitError{Code: 2, Err: errors.New("token: give -email or -sub")}
	}
	if *ttl <= 0 {
		return &ExitError{Code: 2, Err: errors.New("token: -ttl must be positive")}
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return &ExitError{Code: 2, Err: fmt.Errorf("token: bad configuration:\n%w", err)}
	}
	if cfg.JWTSecret == "" {
		return &ExitError{Code: 2, Err: errors.New("token: TAP_JWT_SECRET is not set: tokens are signed with the tap's HMAC secret")}
	}
	tok, err := auth.Mint(cfg.JWTSecret, *sub, *email, *ttl, cfg.JWTIssuer, cfg.JWTAudience, time.Now())
	if err != nil {
		return &ExitError{Code: 2, Err: fmt.Errorf("token: %w", err)}
	}
	fmt.Fprintln(std.Stdout, tok)
	return nil
}
