package gateway

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

// TestEveryOperationListsItsErrors: no operation documents a catch-all
// "default" response (generated clients then get typed errors, and the API
// suites' undocumented-status check fires on error statuses too), and each
// lists at least the statuses its layers can return: 400 (the gateway
// validates every operation), 500, and by what the operation has: 401, 403
// and 429 when it needs credentials, 413 and 415 with a body, 404 with a
// path parameter, 412 with If-Match, 422 with Idempotency-Key. Every error
// status is a problem+json Problem.
func TestEveryOperationListsItsErrors(t *testing.T) {
	s, err := LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Operations()) < 40 {
		t.Fatalf("%d operations", len(s.Operations()))
	}
	for _, op := range s.Operations() {
		want := []string{"400", "500"}
		secured := !op.Public()
		if secured {
			want = append(want, "401", "403", "429")
		}
		if op.Body != nil {
			want = append(want, "413", "415")
		}
		if strings.Contains(op.Path, "{") {
			want = append(want, "404")
		}
		for _, p := range op.Params {
			switch {
			case p.In == "header" && strings.EqualFold(p.Name, "If-Match"):
				want = append(want, "412")
			case p.In == "header" && strings.EqualFold(p.Name, "Idempotency-Key"):
				want = append(want, "422")
			}
		}
		if slices.Contains(op.Responses, "default") {
			t.Errorf("%s: a default response; list the error statuses it can return instead", op.Pattern())
		}
		for _, code := range want {
			if !slices.Contains(op.Responses, code) {
				t.Errorf("%s: does not document %s", op.Pattern(), code)
			}
		}
		for _, code := range op.Responses {
			n, err := strconv.Atoi(code)
			if err != nil || n < 400 {
				continue
			}
			ptr := op.pointer + "/responses/" + code
			resp, _ := s.Node(ptr).(map[string]any)
			if ref, _ := resp["$ref"].(string); ref != "" {
				resp, _ = s.Node(strings.TrimPrefix(ref, "#")).(map[string]any)
			}
			content, _ := resp["content"].(map[string]any)
			pj, _ := content["application/problem+json"].(map[string]any)
			sch, _ := pj["schema"].(map[string]any)
			if len(content) != 1 || sch["$ref"] != "#/components/schemas/Problem" {
				t.Errorf("%s %s: not an application/problem+json Problem", op.Pattern(), code)
			}
		}
	}
}

// TestScopesAreDeclared: the scopes operations name are declared in the
// bearer scheme's OAuth 2 flow (so that tools and generated clients know
// them); schemes other than OAuth 2 name none.
func TestScopesAreDeclared(t *testing.T) {
	s, err := LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	schemes, _ := s.Node("/components/securitySchemes").(map[string]any)
	declared := map[string]map[string]any{}
	for name, v := range schemes {
		sch, _ := v.(map[string]any)
		if sch["type"] != "oauth2" {
			declared[name] = nil
			continue
		}
		flows, _ := sch["flows"].(map[string]any)
		declared[name] = map[string]any{}
		for _, f := range flows {
			fl, _ := f.(map[string]any)
			scopes, _ := fl["scopes"].(map[string]any)
			for sc := range scopes {
				declared[name][sc] = true
			}
		}
	}
	if len(declared["bearer"]) != 3 {
		t.Fatalf("the bearer scheme declares scopes %v, want read, write and admin", declared["bearer"])
	}
	for _, op := range s.Operations() {
		for _, alt := range op.Security {
			for scheme, scopes := range alt {
				d, ok := declared[scheme]
				if !ok {
					t.Errorf("%s: scheme %s is not declared", op.Pattern(), scheme)
				}
				for _, sc := range scopes {
					if d[sc] == nil {
						t.Errorf("%s: scope %s of %s is not declared in its flows", op.Pattern(), sc, scheme)
					}
				}
			}
		}
	}
}

// TestAsyncAPIDocument: the AsyncAPI document is version 3, its channel is
// the OpenAPI document's /ws, every operation's message is one of the
// channel's, and the server's messages are exactly the types notify sends.
// (cmd/trx's TestAsyncAPIMatchesServer checks real messages against it.)
func TestAsyncAPIDocument(t *testing.T) {
	var doc struct {
		AsyncAPI string `yaml:"asyncapi"`
		Channels map[string]struct {
			Address  string                    `yaml:"address"`
			Messages map[string]map[string]any `yaml:"messages"`
		} `yaml:"channels"`
		Operations map[string]struct {
			Action   string `yaml:"action"`
			Channel  map[string]string
			Messages []map[string]string
		} `yaml:"operations"`
		Components struct {
			Messages map[string]struct {
				Payload struct {
					Properties map[string]struct {
						Const string   `yaml:"const"`
						Enum  []string `yaml:"enum"`
					} `yaml:"properties"`
				} `yaml:"payload"`
			} `yaml:"messages"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(AsyncAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.AsyncAPI != "3.0.0" {
		t.Errorf("asyncapi %q, want 3.0.0", doc.AsyncAPI)
	}
	ch, ok := doc.Channels["notifications"]
	if !ok || ch.Address != "/ws" {
		t.Fatalf("channel notifications at %q, want /ws", ch.Address)
	}
	s, err := LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	if s.Operation("GET", "/ws") == nil || s.Operation("GET", "/api/v1/asyncapi.yaml") == nil {
		t.Fatal("the OpenAPI document lacks GET /ws or GET /api/v1/asyncapi.yaml")
	}
	types := map[string][]string{}
	for name, op := range doc.Operations {
		for _, m := range op.Messages {
			key := strings.TrimPrefix(m["$ref"], "#/channels/notifications/messages/")
			ref, ok := ch.Messages[key]["$ref"].(string)
			if !ok {
				t.Errorf("operation %s: message %s is not the channel's", name, m["$ref"])
				continue
			}
			comp := doc.Components.Messages[strings.TrimPrefix(ref, "#/components/messages/")]
			field := "type"
			if op.Action == "send" {
				field = "action"
			}
			p := comp.Payload.Properties[field]
			got := p.Enum
			if p.Const != "" {
				got = []string{p.Const}
			}
			if len(got) == 0 {
				t.Errorf("operation %s: message %s has no %s const or enum", name, key, field)
			}
			types[op.Action] = append(types[op.Action], got...)
		}
	}
	slices.Sort(types["send"])
	slices.Sort(types["receive"])
	if want := []string{"ping", "resume", "subscribe", "unsubscribe"}; !slices.Equal(types["send"], want) {
		t.Errorf("client actions %v, want %v", types["send"], want)
	}
	want := []string{"error", "message", "pong", "resumed", "resync_required", "stock.changed", "subscribed",
		"transaction.categorized", "transaction.created", "unsubscribed", "welcome"}
	if !slices.Equal(types["receive"], want) {
		t.Errorf("server messages %v, want %v", types["receive"], want)
	}
}
