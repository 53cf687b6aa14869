package pki

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"
)

func TestIssuedCertificatesVerifyAgainstTheAuthority(t *testing.T) {
	ca, err := NewAuthority("test-ca")
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)

	cases := []struct {
		name   string
		req    Request
		usage  x509.ExtKeyUsage
		dns    string
		groups []string
	}{
		{
			name:  "serving",
			req:   Request{CommonName: "kube-apiserver", DNSNames: []string{"kubernetes.default.svc"}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}, Server: true},
			usage: x509.ExtKeyUsageServerAuth,
			dns:   "kubernetes.default.svc",
		},
		{
			name:   "client",
			req:    Request{CommonName: "admin", Organizations: []string{"system:masters"}, Client: true},
			usage:  x509.ExtKeyUsageClientAuth,
			groups: []string{"system:masters"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pair, err := ca.Issue(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			keyPair, err := tls.X509KeyPair(pair.CertPEM, pair.KeyPEM)
			if err != nil {
				t.Fatalf("certificate and key do not match: %v", err)
			}
			leaf, err := x509.ParseCertificate(keyPair.Certificate[0])
			if err != nil {
				t.Fatal(err)
			}
			if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: tc.dns, KeyUsages: []x509.ExtKeyUsage{tc.usage}}); err != nil {
				t.Fatalf("does not verify: %v", err)
			}
			if len(tc.groups) > 0 && leaf.Subject.Organization[0] != tc.groups[0] {
				t.Fatalf("organization = %v, want %v", leaf.Subject.Organization, tc.groups)
			}
		})
	}
}
