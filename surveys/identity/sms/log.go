package sms

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
)

// logProvider writes each message to the server log instead of sending it:
// the development provider, which New refuses outside demo mode because
// the log then holds every one-time code in clear.
type logProvider struct {
	logger    *slog.Logger
	templates map[Template]string
}

// Name implements Provider.
func (p *logProvider) Name() string { return ProviderLog }

// Send implements Provider.
func (p *logProvider) Send(ctx context.Context, m Message) (Receipt, error) {
	if err := checkMessage(ProviderLog, m); err != nil {
		return Receipt{}, err
	}
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	attrs := []slog.Attr{
		slog.String("id", hex.EncodeToString(id)),
		slog.String("phone", m.Phone),
		slog.String("template", string(m.Template)),
	}
	if t := p.templates[m.Template]; t != "" {
		attrs = append(attrs, slog.String("template_id", t))
	}
	for _, prm := range m.Params {
		attrs = append(attrs, slog.String("param."+prm.Name, prm.Value))
	}
	p.logger.LogAttrs(ctx, slog.LevelInfo, "sms (log provider, demo only): message not sent", attrs...)
	return Receipt{ID: hex.EncodeToString(id)}, nil
}
