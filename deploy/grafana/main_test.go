package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
)

// TestCommittedDashboardsAreGenerated: the JSON files are exactly what the
// generator writes (run go generate in deploy/grafana after a change), and
// there is no other file.
func TestCommittedDashboardsAreGenerated(t *testing.T) {
	want := Dashboards()
	files, err := filepath.Glob("dashboards/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(want) {
		t.Errorf("dashboards/ holds %d files, the generator writes %d", len(files), len(want))
	}
	for name, b := range want {
		gen, err := Render(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := os.ReadFile(filepath.Join("dashboards", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, gen) {
			t.Errorf("dashboards/%s.json is not what the generator writes: run go generate in deploy/grafana", name)
		}
	}
}

// TestDashboardsLoadStrictly decodes each committed file with the SDK's
// strict decoder for the dashboard schema (schemaVersion 42, Grafana 12:
// an unknown field anywhere, in panels' options and field configs too, is
// an error), validates it, and checks what Grafana needs to show it: unique
// panel ids, known panel types, Prometheus queries on the dashboard's data
// source with unique refIds, panels within the 24-column grid.
func TestDashboardsLoadStrictly(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	files, _ := filepath.Glob("dashboards/*.json")
	if len(files) == 0 {
		t.Fatal("no dashboards")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var d dashboard.Dashboard
			if err := real(d.UnmarshalJSONStrict(raw)); err != nil {
				t.Fatalf("strict decode: %v", err)
			}
			if err := real(d.Validate()); err != nil {
				t.Fatalf("validate: %v", err)
			}
			if d.Uid == nil || *d.Uid+".json" != filepath.Base(f) {
				t.Errorf("uid %v does not match the file name", d.Uid)
			}
			if d.SchemaVersion < 39 {
				t.Errorf("schemaVersion %v: want 39 or later", d.SchemaVersion)
			}
			vars := map[string]bool{}
			if d.Templating.List != nil {
				for _, v := range d.Templating.List {
					vars[v.Name] = true
				}
			}
			if !vars["datasource"] || !vars["instance"] {
				t.Errorf("variables %v: want datasource and instance", vars)
			}
			// The SDK's union decoder drops every panel (its strict
			// decoders return their empty error list as an error), so
			// each panel is decoded here, as strictly.
			var raws struct {
				Panels []json.RawMessage `json:"panels"`
			}
			if err := json.Unmarshal(raw, &raws); err != nil {
				t.Fatal(err)
			}
			ids := map[uint32]bool{}
			panels := 0
			for i, one := range raws.Panels {
				var head struct{ Type string }
				if err := json.Unmarshal(one, &head); err != nil {
					t.Fatal(err)
				}
				var pr dashboard.PanelOrRowPanel
				if head.Type == "row" {
					pr.RowPanel = &dashboard.RowPanel{}
					err = real(pr.RowPanel.UnmarshalJSONStrict(one))
				} else {
					pr.Panel = &dashboard.Panel{}
					err = real(pr.Panel.UnmarshalJSONStrict(one))
				}
				if err != nil {
					t.Fatalf("panels[%d]: strict decode: %v", i, err)
				}
				var id uint32
				switch {
				case pr.RowPanel != nil:
					id = pr.RowPanel.Id
				case pr.Panel != nil:
					p := pr.Panel
					panels++
					if p.Id == nil {
						t.Fatalf("panel %d has no id", i)
					}
					id = *p.Id
					checkPanel(t, fmt.Sprintf("panel %d (%s)", id, deref(p.Title)), p, one)
				default:
					t.Fatalf("panels[%d] is neither a panel nor a row", i)
				}
				if id == 0 || ids[id] {
					t.Errorf("panel id %d is zero or repeated", id)
				}
				ids[id] = true
			}
			if panels < 5 {
				t.Errorf("%d panels; a dashboard this thin is a mistake", panels)
			}
		})
	}
}

// real returns err unless it is an empty cog.BuildErrors: the SDK's
// strict decoder returns its (nil) list of errors as a non-nil error.
func real(err error) error {
	var list cog.BuildErrors
	if errors.As(err, &list) && len(list) == 0 {
		return nil
	}
	return err
}

func checkPanel(t *testing.T, name string, p *dashboard.Panel, raw json.RawMessage) {
	t.Helper()
	if !slices.Contains([]string{"timeseries", "stat"}, p.Type) {
		t.Errorf("%s: panel type %q: want timeseries or stat", name, p.Type)
	}
	if p.Title == nil || *p.Title == "" || p.Description == nil || *p.Description == "" {
		t.Errorf("%s: needs a title and a description", name)
	}
	if p.GridPos == nil || p.GridPos.W == 0 || p.GridPos.W > 24 || p.GridPos.X+p.GridPos.W > 24 || p.GridPos.H == 0 {
		t.Errorf("%s: gridPos %+v outside the 24-column grid", name, p.GridPos)
	}
	if p.Datasource == nil || p.Datasource.Uid == nil || *p.Datasource.Uid != "${datasource}" {
		t.Errorf("%s: the panel's data source is not the dashboard variable", name)
	}
	// The SDK drops targets too (as panels above): decode them here.
	var rawTargets struct {
		Targets []json.RawMessage `json:"targets"`
	}
	if err := json.Unmarshal(raw, &rawTargets); err != nil {
		t.Fatal(err)
	}
	if len(rawTargets.Targets) == 0 {
		t.Errorf("%s: no query", name)
	}
	refs := map[string]bool{}
	for i, one := range rawTargets.Targets {
		var q prometheus.Dataquery
		if err := real(q.UnmarshalJSONStrict(one)); err != nil {
			t.Errorf("%s: targets[%d] is not a Prometheus query: %v", name, i, err)
			continue
		}
		if q.RefId == nil || refs[*q.RefId] {
			t.Errorf("%s: refId missing or repeated", name)
		} else {
			refs[*q.RefId] = true
		}
		if strings.TrimSpace(q.Expr) == "" || !strings.Contains(q.Expr, `instance=~"$instance"`) {
			t.Errorf("%s: query %q is empty or ignores the instance variable", name, q.Expr)
		}
		if q.Datasource == nil || q.Datasource.Uid == nil || *q.Datasource.Uid != "${datasource}" {
			t.Errorf("%s: a query's data source is not the dashboard variable", name)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
