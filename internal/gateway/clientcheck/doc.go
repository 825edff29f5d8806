// Package clientcheck is a Go client generated from trx's OpenAPI document
// by oapi-codegen (go generate writes client.gen.go, not committed), and a
// test that runs calls through it against a live trx: the document is good
// enough for a real generator, and the typed responses it generates decode
// what trx answers. A module of its own, so that the generator stays out of
// the root module's test graph; .ci/run generates and tests it.
package clientcheck

//go:generate go tool oapi-codegen -config oapi-codegen.yaml ../openapi.yaml
