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

// newClassifierEngine builds the classifier's engine (the built-in model
// and merchant dictionary, users' settings cached for
// classifier.DefaultSettingsTTL, obs told of its decisions) and, with an
// event stream, has settings changes told to the other replicas: the
// returned Invalidations must Run (nil without a bus).
func newClassifierEngine(bus *event.Bus, store classifier.Store, obs classifier.Observer, log *slog.Logger) (*classifier.Engine, *event.Invalidations, error) {
	builtin, err := classifier.BuiltinModel()
	if err != nil {
		return nil, nil, err
	}
	cfg := classifier.DefaultConfig(builtin)
	cfg.Observer = obs
	if cfg.Dictionary, err = classifier.BuiltinDictionary(); err != nil {
		return nil, nil, err
	}
	var inv *event.Invalidations
	if bus != nil {
		inv = event.NewInvalidations(bus.NC, event.InvalidationSubject(bus.Prefix, settingsSubject), log)
		cfg.Broadcast = settingsBus{inv}
	}
	eng, err := classifier.NewEngine(cfg, store, log)
	if err != nil {
		return nil, nil, err
	}
	if inv != nil {
		drop := func(data []byte) { eng.DropSettings(string(data)) }
		if err := inv.Listen(drop, func() { eng.DropSettings("") }); err != nil {
			return nil, nil, err
		}
	}
	return eng, inv, nil
}
