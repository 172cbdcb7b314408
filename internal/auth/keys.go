package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// minRSABits is the smallest RSA modulus accepted: NIST has disallowed
// shorter keys for signatures since 2013.
const minRSABits = 2048

var (
	hmacAlgs = []string{"HS256", "HS384", "HS512"}
	rsaAlgs  = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
)

// publicKey is one verification key from TAP_JWT_KEYS.
type publicKey struct {
	key  any      // *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
	kid  string   // the JWK's "kid", else the RFC 7638 thumbprint
	algs []string // the algorithms this key accepts
}

// errUnsupportedKey marks key types that jwt cannot verify with; a JWKS
// skips such keys (RFC 7517 section 5), a PEM block is an error.
var errUnsupportedKey = errors.New("unsupported key type")

// algsFor returns the algorithms that a public key accepts.
func algsFor(key any) ([]string, error) {
	switch k := key.(type) {
	case *rsa.PublicKey:
		if n := k.N.BitLen(); n < minRSABits {
			return nil, fmt.Errorf("RSA key of %d bits is too short (at least %d)", n, minRSABits)
		}
		return rsaAlgs, nil
	case *ecdsa.PublicKey:
		switch name := k.Curve.Params().Name; name {
		case "P-256":
			return []string{"ES256"}, nil
		case "P-384":
			return []string{"ES384"}, nil
		case "P-521":
			return []string{"ES512"}, nil
		default:
			return nil, fmt.Errorf("%w: ECDSA curve %s (P-256, P-384 or P-521)", errUnsupportedKey, name)
		}
	case ed25519.PublicKey:
		return []string{"EdDSA"}, nil
	case []byte:
		return nil, errors.New("symmetric key: put the HMAC secret in TAP_JWT_SECRET")
	case *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey:
		return nil, errors.New("private key: give the public key only")
	}
	return nil, fmt.Errorf("%w %T", errUnsupportedKey, key)
}

// thumbprint returns the RFC 7638 SHA-256 thumbprint of a public key,
// base64url without padding, as used for "kid" by many issuers.
func thumbprint(key any) (string, error) {
	jwk := jose.JSONWebKey{Key: key}
	sum, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}

// loadKeys reads TAP_JWT_KEYS: PEM text, a JWKS, or the path of a file
// holding either.
func loadKeys(s string) ([]publicKey, error) {
	text := strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(text, "-----BEGIN"):
		return parsePEM(text)
	case strings.HasPrefix(text, "{"):
		return parseJWKS([]byte(text))
	case strings.ContainsAny(text, "\n{}") || len(text) > 4096:
		return nil, errors.New("neither PEM (-----BEGIN PUBLIC KEY-----), a JWKS ({\"keys\":[…]}) nor a file path")
	}
	data, err := os.ReadFile(text)
	if err != nil {
		return nil, err
	}
	text = strings.TrimSpace(string(data))
	switch {
	case strings.HasPrefix(text, "-----BEGIN"):
		keys, err := parsePEM(text)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s, err)
		}
		return keys, nil
	case strings.HasPrefix(text, "{"):
		keys, err := parseJWKS([]byte(text))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s, err)
		}
		return keys, nil
	}
	return nil, fmt.Errorf("%s: holds neither PEM public keys nor a JWKS", s)
}

// parsePEM reads one or more PEM blocks of public keys ("PUBLIC KEY", "RSA
// PUBLIC KEY") or certificates ("CERTIFICATE", whose key is used; the
// certificate itself is not checked).
func parsePEM(text string) ([]publicKey, error) {
	// An environment variable often gets PEM with its newlines escaped, as
	// JSON and the AWS console do.
	if !strings.Contains(text, "\n") && strings.Contains(text, `\n`) {
		text = strings.ReplaceAll(text, `\n`, "\n")
	}
	var keys []publicKey
	rest := []byte(text)
	for n := 1; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		var (
			pub any
			err error
		)
		switch {
		case block.Type == "PUBLIC KEY":
			pub, err = x509.ParsePKIXPublicKey(block.Bytes)
		case block.Type == "RSA PUBLIC KEY":
			pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
		case block.Type == "CERTIFICATE":
			var cert *x509.Certificate
			if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
				pub = cert.PublicKey
			}
		case strings.Contains(block.Type, "PRIVATE KEY"):
			return nil, fmt.Errorf("PEM block %d is a %s: give the public key only", n, block.Type)
		default:
			return nil, fmt.Errorf("PEM block %d: unsupported type %q (PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE)", n, block.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("PEM block %d (%s): %w", n, block.Type, err)
		}
		algs, err := algsFor(pub)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d: %w", n, err)
		}
		kid, err := thumbprint(pub)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d: %w", n, err)
		}
		keys = append(keys, publicKey{key: pub, kid: kid, algs: algs})
	}
	if len(keys) == 0 {
		return nil, errors.New("no PEM block found")
	}
	if len(strings.TrimSpace(string(rest))) != 0 {
		return nil, fmt.Errorf("text after PEM block %d is not PEM", len(keys))
	}
	return keys, nil
}

// parseJWKS reads a JWK Set, or a single JWK. As RFC 7517 section 5 asks,
// keys of a type or algorithm that cannot verify a JWS here, and keys for
// encryption ("use":"enc"), are skipped; a key that is plainly a mistake (a
// private or symmetric key, an "alg" that does not fit the key) is an error.
func parseJWKS(data []byte) ([]publicKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
		Kty  string            `json:"kty"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("JWKS: %w", err)
	}
	if set.Keys == nil && set.Kty != "" {
		set.Keys = []json.RawMessage{data}
	}
	var keys []publicKey
	skipped := 0
	for i, raw := range set.Keys {
		// Each key is parsed on its own, as jose.JSONWebKeySet would, so that
		// one unsupported key does not reject the whole set.
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON(raw); err != nil {
			if errors.Is(err, jose.ErrUnsupportedKeyType) {
				skipped++
				continue
			}
			return nil, fmt.Errorf("JWKS key %d: %w", i+1, err)
		}
		name := fmt.Sprintf("JWKS key %d", i+1)
		if jwk.KeyID != "" {
			name += fmt.Sprintf(" (kid %q)", jwk.KeyID)
		}
		if jwk.Use != "" && jwk.Use != "sig" {
			skipped++
			continue
		}
		if jwk.Algorithm != "" && jwt.GetSigningMethod(jwk.Algorithm) == nil {
			skipped++ // an encryption algorithm, or a signature one jwt lacks
			continue
		}
		algs, err := algsFor(jwk.Key)
		if errors.Is(err, errUnsupportedKey) {
			skipped++
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if jwk.Algorithm != "" {
			if !slices.Contains(algs, jwk.Algorithm) {
				return nil, fmt.Errorf("%s: alg %q does not fit the key (%s)", name, jwk.Algorithm, strings.Join(algs, ", "))
			}
			algs = []string{jwk.Algorithm}
		}
		kid := jwk.KeyID
		if kid == "" {
			if kid, err = thumbprint(jwk.Key); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		}
		keys = append(keys, publicKey{key: jwk.Key, kid: kid, algs: algs})
	}
	if len(keys) == 0 {
		if skipped > 0 {
			return nil, fmt.Errorf("JWKS: none of its %d keys can verify signatures here (RSA, EC P-256/384/521 or Ed25519, \"use\":\"sig\")", skipped)
		}
		return nil, errors.New(`JWKS: no keys (want {"keys":[…]})`)
	}
	return keys, nil
}
