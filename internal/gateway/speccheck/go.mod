module github.com/trx-platform/trx/internal/gateway/speccheck

go 1.26.8

require (
	github.com/getkin/kin-openapi v0.153.0
	github.com/trx-platform/trx v0.0.0-00010101000000-000000000000
)

require (
	github.com/go-openapi/jsonpointer v1.0.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3 // indirect
	go.yaml.in/yaml/v4 v4.0.0 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	golang.org/x/time v0.16.0 // indirect
)

// The root module, from this checkout.
replace github.com/trx-platform/trx => ../../..
