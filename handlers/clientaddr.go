package handlers

import (
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// ParseTrustedProxies reads MINYI_TRUSTED_PROXIES: CIDRs (or single
// addresses) separated by commas or spaces. Empty is none: the client is
// the direct peer.
func ParseTrustedProxies(s string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if !strings.Contains(f, "/") {
			ip := net.ParseIP(f)
			if ip == nil {
				return nil, fmt.Errorf("MINYI_TRUSTED_PROXIES: %q is neither an address nor a CIDR", f)
			}
			bits := 128
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		_, n, err := net.ParseCIDR(f)
		if err != nil {
			return nil, fmt.Errorf("MINYI_TRUSTED_PROXIES: %q is not a CIDR", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// ipExtractor is how Echo finds the client's address: the direct peer,
// unless that peer is one of the trusted proxies; then the nearest
// address of X-Forwarded-For that is not a trusted proxy. No address is
// trusted by default, not loopback or private ones either: a client on
// the same network as the server would otherwise name any address it
// likes.
func ipExtractor(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// fromTrustedProxy reports whether the request's direct peer is a
// trusted proxy.
func (a *App) fromTrustedProxy(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	for _, n := range a.cfg.TrustedProxies {
		if ip != nil && n.Contains(ip) {
			return true
		}
	}
	return false
}

// secure reports whether the browser reached Minyi over HTTPS: TLS to
// this server, or X-Forwarded-Proto: https set by a trusted proxy. The
// header from anyone else means nothing. Cookies are Secure when it holds.
func (a *App) secure(c echo.Context) bool {
	r := c.Request()
	if r.TLS != nil {
		return true
	}
	return a.fromTrustedProxy(r) && strings.EqualFold(strings.TrimSpace(r.Header.Get(echo.HeaderXForwardedProto)), "https")
}

// clientAddress is the address that rate limits, quality flags and the
// stored address hash key on: the IPv4 address, or an IPv6 address's /64
// (one household or phone gets a whole /64, and picks any address in it).
func clientAddress(c echo.Context) string {
	return addressKey(c.RealIP())
}

// addressKey reduces an address to what identifies one client: IPv4 (also
// when written IPv4-mapped) as is, IPv6 as its /64 in CIDR form.
func addressKey(s string) string {
	ip := net.ParseIP(s)
	switch {
	case ip == nil:
		return s
	case ip.To4() != nil:
		return ip.To4().String()
	default:
		return (&net.IPNet{IP: ip.Mask(net.CIDRMask(64, 128)), Mask: net.CIDRMask(64, 128)}).String()
	}
}
