package main

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

// runVerifyChain checks a PEM chain file (leaf first, then intermediates) the way a
// TLS client in this binary would, at a chosen time so that saved chains stay testable
// after they expire.
func runVerifyChain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify-chain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	chainFile := fs.String("chain", "", "PEM file: leaf certificate first, then intermediates")
	at := fs.String("at", "", "verification time, RFC 3339 (default now)")
	host := fs.String("host", "", "DNS name the leaf must be valid for (default: not checked)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *chainFile == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr,
			"usage: goship-app verify-chain -chain FILE [-at RFC3339] [-host NAME]")
		return 2
	}
	when := time.Now()
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			fmt.Fprintln(stderr, "error: -at:", err)
			return 2
		}
		when = t
	}
	data, err := os.ReadFile(*chainFile)
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return 1
	}
	if err := verifyChain(data, *host, when, nil); err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return 1
	}
	fmt.Fprintln(stdout, "ok")
	return 0
}

// verifyChain verifies the PEM chain in data for TLS server use at time at. A nil
// roots means the system pool, which in a static image with no CA files is the
// compiled-in fallback set.
func verifyChain(data []byte, host string, at time.Time, roots *x509.CertPool) error {
	certs, err := parseCertificates(data)
	if err != nil {
		return err
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err = certs[0].Verify(x509.VerifyOptions{
		DNSName:       host,
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   at,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	return err
}

// parseCertificates returns every CERTIFICATE block in data, in file order.
func parseCertificates(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("no PEM certificates found")
	}
	return certs, nil
}
