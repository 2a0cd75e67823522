package record

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/cairn-audit/cairn/blob/file"
	"github.com/cairn-audit/cairn/cloudtrail"
)

// SigningKey is an RSA key that signs digest files. Its public half is what
// ListPublicKeys serves and `cairn verify` checks with.
type SigningKey struct {
	Private     *rsa.PrivateKey
	Fingerprint string
	// Created starts the key's validity; the next key's Created ends it.
	Created time.Time
	Path    string
}

const keyBits = 2048

// KeysFolder is the folder of the data folder that holds the signing keys.
const KeysFolder = "keys"

// LoadKeys reads every signing key in dir (DATA/keys), oldest first.
func LoadKeys(dir string) ([]SigningKey, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "*.pem"))
	if err != nil {
		return nil, err
	}
	var keys []SigningKey
	for _, path := range matches {
		k, err := readKey(path)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b SigningKey) int { return a.Created.Compare(b.Created) })
	return keys, nil
}

// LoadOrCreateKeys returns the signing keys in dir, making the first one
// (mode 0600) when there is none. The newest key signs.
func LoadOrCreateKeys(dir string, now time.Time) ([]SigningKey, error) {
	keys, err := LoadKeys(dir)
	if err != nil || len(keys) > 0 {
		return keys, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create key folder: %w", err)
	}
	priv, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, fmt.Errorf("make signing key: %w", err)
	}
	k := SigningKey{Private: priv, Fingerprint: cloudtrail.PublicKeyFingerprint(&priv.PublicKey), Created: now.UTC().Truncate(time.Second)}
	k.Path = filepath.Join(dir, k.Fingerprint+".pem")
	block := &pem.Block{
		Type:    "RSA PRIVATE KEY",
		Headers: map[string]string{"Created": k.Created.Format(time.RFC3339)},
		Bytes:   x509.MarshalPKCS1PrivateKey(priv),
	}
	if err := file.WriteAtomic(k.Path, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, fmt.Errorf("save signing key: %w", err)
	}
	return []SigningKey{k}, nil
}

func readKey(path string) (SigningKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return SigningKey{}, fmt.Errorf("read signing key: %w", err)
	}
	if err := file.CheckPrivate(path); err != nil {
		return SigningKey{}, err
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "RSA PRIVATE KEY" {
		return SigningKey{}, fmt.Errorf("signing key %s is not a PEM \"RSA PRIVATE KEY\"", path)
	}
	priv, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		return SigningKey{}, fmt.Errorf("signing key %s: %w", path, err)
	}
	created, err := time.Parse(time.RFC3339, block.Headers["Created"])
	if err != nil {
		fi, serr := os.Stat(path)
		if serr != nil {
			return SigningKey{}, errors.Join(err, serr)
		}
		created = fi.ModTime().UTC().Truncate(time.Second)
	}
	return SigningKey{Private: priv, Fingerprint: cloudtrail.PublicKeyFingerprint(&priv.PublicKey), Created: created, Path: path}, nil
}
