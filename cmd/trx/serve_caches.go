package main

import (
	"context"
	"log/slog"

	"github.com/trx-platform/trx/internal/classifier"
	"github.com/trx-platform/trx/internal/event"
)

// settingsSubject names the classifier settings' invalidations (its data
// is the id of the user whose settings changed).
const settingsSubject = "classifier.settings"

// settingsBus carries the classifier's settings changes between replicas
// on NATS (event.Invalidations).
type settingsBus struct{ inv *event.Invalidations }

// BroadcastSettings implements classifier.SettingsBroadcaster.
func (b settingsBus) BroadcastSettings(ctx context.Context, userID string) error {
	return b.inv.Publish(ctx, []byte(userID))
}

// newClassifierService builds the classifier (the built-in model and
// merchant dictionary, users' settings cached for
// classifier.DefaultSettingsTTL) and, with an event stream, has settings
// changes told to the other replicas: the returned Invalidations must Run
// (nil without a bus).
func newClassifierService(ctx context.Context, bus *event.Bus, store classifier.Store, txs classifier.Transactions, log *slog.Logger) (*classifier.Service, *event.Invalidations, error) {
	builtin, err := classifier.BuiltinModel()
	if err != nil {
		return nil, nil, err
	}
	cfg := classifier.DefaultConfig(builtin)
	if cfg.Dictionary, err = classifier.BuiltinDictionary(); err != nil {
		return nil, nil, err
	}
	var inv *event.Invalidations
	if bus != nil {
		inv = event.NewInvalidations(bus.NC, event.InvalidationSubject(bus.Prefix, settingsSubject), log)
		cfg.Broadcast = settingsBus{inv}
	}
	cls, err := classifier.New(ctx, cfg, store, txs, log)
	if err != nil {
		return nil, nil, err
	}
	if inv != nil {
		drop := func(data []byte) { cls.DropSettings(string(data)) }
		if err := inv.Listen(drop, func() { cls.DropSettings("") }); err != nil {
			return nil, nil, err
		}
	}
	return cls, inv, nil
}
