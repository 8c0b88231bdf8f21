package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testChain is a throwaway root -> intermediate -> leaf chain for app.example.test,
// valid through 2026, that no real root store contains.
type testChain struct {
	root *x509.Certificate
	pem  []byte // leaf, then intermediate: what a TLS server sends
}

func newTestChain(t *testing.T) testChain {
	t.Helper()
	notBefore := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	notAfter := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	issue := func(serial int64, tmpl, parent *x509.Certificate,
		parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl.SerialNumber = big.NewInt(serial)
		tmpl.NotBefore, tmpl.NotAfter = notBefore, notAfter
		if parent == nil { // self-signed
			parent, parentKey = tmpl, key
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return cert, key
	}
	ca := func(cn string) *x509.Certificate {
		return &x509.Certificate{
			Subject:               pkix.Name{CommonName: cn},
			IsCA:                  true,
			BasicConstraintsValid: true,
			KeyUsage:              x509.KeyUsageCertSign,
		}
	}
	root, rootKey := issue(1, ca("goship test root"), nil, nil)
	inter, interKey := issue(2, ca("goship test intermediate"), root, rootKey)
	leaf, _ := issue(3, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "app.example.test"},
		DNSNames:    []string{"app.example.test"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, inter, interKey)

	var pemData []byte
	for _, c := range []*x509.Certificate{leaf, inter} {
		pemData = append(pemData, pem.EncodeToMemory(&pem.Block{
			Type: "CERTIFICATE", Bytes: c.Raw,
		})...)
	}
	return testChain{root: root, pem: pemData}
}

var midChainValidity = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func TestVerifyChainRejectsUnknownRoot(t *testing.T) {
	chain := newTestChain(t)
	err := verifyChain(chain.pem, "app.example.test", midChainValidity, nil)
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("err = %v, want x509.UnknownAuthorityError", err)
	}
}

func TestVerifyChainCommandFailsForUnknownRoot(t *testing.T) {
	file := filepath.Join(t.TempDir(), "chain.pem")
	if err := os.WriteFile(file, newTestChain(t).pem, 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	code := run([]string{"verify-chain", "-chain", file, "-at", "2026-06-01T00:00:00Z",
		"-host", "app.example.test"}, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit code = %d, want 1", code)
	}
	if stdout.String() != "" {
		t.Errorf("stdout = %q, want nothing", stdout.String())
	}
	want := "error: x509: certificate signed by unknown authority"
	if !strings.HasPrefix(stderr.String(), want) {
		t.Errorf("stderr = %q, want prefix %q", stderr.String(), want)
	}
}

func TestVerifyChainAcceptsChainToTrustedRoot(t *testing.T) {
	chain := newTestChain(t)
	roots := x509.NewCertPool()
	roots.AddCert(chain.root)
	if err := verifyChain(chain.pem, "app.example.test", midChainValidity, roots); err != nil {
		t.Fatalf("err = %v, want nil", err)
	}
}

func TestVerifyChainRejectsWrongHost(t *testing.T) {
	chain := newTestChain(t)
	roots := x509.NewCertPool()
	roots.AddCert(chain.root)
	err := verifyChain(chain.pem, "other.example.test", midChainValidity, roots)
	var wrongHost x509.HostnameError
	if !errors.As(err, &wrongHost) || wrongHost.Host != "other.example.test" {
		t.Fatalf("err = %v, want x509.HostnameError for other.example.test", err)
	}
}

func TestVerifyChainRejectsExpiredChain(t *testing.T) {
	chain := newTestChain(t)
	roots := x509.NewCertPool()
	roots.AddCert(chain.root)
	at := time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)
	err := verifyChain(chain.pem, "app.example.test", at, roots)
	var invalid x509.CertificateInvalidError
	if !errors.As(err, &invalid) || invalid.Reason != x509.Expired {
		t.Fatalf("err = %v, want x509.CertificateInvalidError with reason Expired", err)
	}
}

func TestVerifyChainRejectsFileWithoutCertificates(t *testing.T) {
	err := verifyChain([]byte("not a certificate\n"), "", midChainValidity, nil)
	if err == nil || err.Error() != "no PEM certificates found" {
		t.Fatalf("err = %v, want no PEM certificates found", err)
	}
}

func TestVerifyChainCommandRejectsBadTime(t *testing.T) {
	var stdout, stderr strings.Builder
	code := run([]string{"verify-chain", "-chain", "x.pem", "-at", "yesterday"},
		&stdout, &stderr)
	if code != 2 {
		t.Fatalf("exit code = %d, want 2", code)
	}
}
