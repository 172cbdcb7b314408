package tap

import (
	"fmt"

	"github.com/datatap/datatap/internal/auth"
	"github.com/datatap/datatap/internal/config"
)

// Gate builds who may send from the settings: the mode config.AuthMode picks
// (TAP_AUTH and its defaults per mode), with its keys or ARNs. It returns the
// gate and a description for the start-up log (never a secret).
func Gate(c config.Config, onLambda, loopback bool) (auth.Gate, string, error) {
	mode, desc, err := c.AuthMode(onLambda, loopback)
	if err != nil {
		return nil, "", err
	}
	switch mode {
	case config.AuthNone:
		return auth.Open{}, desc, nil
	case config.AuthFirehose:
		return firehoseOnly{}, desc, nil
	case config.AuthJWT:
		v, err := auth.NewVerifier(auth.Config{Secret: c.JWTSecret, Keys: c.JWTKeys, Issuer: c.JWTIssuer, Audience: c.JWTAudience, ACL: c.ACL})
		if err != nil {
			return nil, "", err
		}
		return v, desc, nil
	case config.AuthIAM:
		a, err := auth.NewIAM(c.ACL)
		if err != nil {
			return nil, "", err
		}
		return a, desc, nil
	}
	return nil, "", fmt.Errorf("tap: unknown auth mode %q", mode)
}

// firehoseOnly is the gate of a tap that takes Firehose delivery only: the
// Firehose requests never reach it, everything else is refused.
type firehoseOnly struct{}

func (firehoseOnly) Allow(auth.Request) (string, error) {
	return "", fmt.Errorf("%w: this tap takes Firehose delivery requests only (X-Amz-Firehose-Access-Key); "+
		"set TAP_JWT_SECRET or TAP_JWT_KEYS and TAP_ACL to take other requests", auth.ErrUnauthorized)
}
