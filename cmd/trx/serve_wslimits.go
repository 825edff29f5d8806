package main

import (
	"net"
	"net/http"
	"strings"

	"github.com/trx-platform/trx/internal/envflag"
	"github.com/trx-platform/trx/internal/gateway"
	"github.com/trx-platform/trx/internal/notify"
)

// wsLimitsConfig is what one WebSocket client may cost a notifier node.
type wsLimitsConfig struct {
	MaxSymbols         int
	MessageRate        float64
	MessageBurst       int
	ConnsPerCredential int
	ConnsPerIP         int
	MaxReplay          int
}

func wsLimitFlags(fs *envflag.FlagSet, cfg *wsLimitsConfig) {
	fs.IntVar(&cfg.MaxSymbols, "ws-max-symbols", 10_000, "symbols one WebSocket connection may subscribe to (1,000 per message)")
	fs.FloatVar(&cfg.MessageRate, "ws-message-rate", 20, "client messages per second per WebSocket connection (a token bucket); past the burst the connection is closed with 1008")
	fs.IntVar(&cfg.MessageBurst, "ws-message-burst", 100, "the bucket size of --ws-message-rate")
	fs.IntVar(&cfg.ConnsPerCredential, "ws-conns-per-credential", 100, "open WebSocket connections per API key (per user for a JWT) on each notifier node; more are 429")
	fs.IntVar(&cfg.ConnsPerIP, "ws-conns-per-ip", 1000, "open WebSocket connections per client IP on each notifier node; more are 429")
	fs.IntVar(&cfg.MaxReplay, "ws-max-replay", 100_000, "stream sequences a resume may replay; a client further behind gets resync_required (reload, then live)")
}

// wsLimits is the notifier's Limits from the flags, with the client IP
// the front door saw: in the all-in-one serve, the gateway's (the peer, or
// X-Forwarded-For through --trusted-proxies); in a notifier behind a
// split gateway (--internal-secret: every request came through it), the
// address the gateway appended to X-Forwarded-For.
func wsLimits(sh *shared) notify.Limits {
	c := sh.cfg.Notify.WSLimits
	l := notify.Limits{MaxSymbols: c.MaxSymbols, MessageRate: c.MessageRate, MessageBurst: c.MessageBurst,
		ConnsPerCredential: c.ConnsPerCredential, ConnsPerIP: c.ConnsPerIP}
	if c.MaxReplay > 0 {
		l.MaxReplay = uint64(c.MaxReplay)
	}
	switch {
	case sh.cfg.Components.has(compGateway):
		if proxies, err := gateway.ParseProxies(sh.cfg.Gateway.TrustedProxies); err == nil { // newGateway reports a bad list
			l.ClientIP = proxies.ClientIP
		}
	case sh.cfg.InternalSecret != "":
		l.ClientIP = lastForwarded
	}
	return l
}

// lastForwarded is the last address of X-Forwarded-For (the one the
// gateway in front appended), or the peer's.
func lastForwarded(r *http.Request) string {
	if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
		parts := strings.Split(xff[len(xff)-1], ",")
		if ip := strings.TrimSpace(parts[len(parts)-1]); net.ParseIP(ip) != nil {
			return ip
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
