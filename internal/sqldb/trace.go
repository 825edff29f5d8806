package sqldb

import (
	"context"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
)

// Every statement run under a traced context (one that carries a
// recording span: an API request, a traced relay publish) gets a client
// span of its own, a child of that span, from the start of the statement
// to its end (for a query: until its rows are closed), named after the
// operation and table ("SELECT transactions") and with the attributes of
// the OpenTelemetry database conventions: db.system.name,
// db.operation.name, db.collection.name and db.query.summary. The text of
// the statement and the values of its parameters are never recorded.
// A statement under a context without a span (background polling) makes
// no span: it would be a trace of one span every few milliseconds.

// span starts the span of a statement of query under ctx on a database of
// system (semconv.DBSystemNameSQLite, …), and returns the context to run it
// with and the function that ends the span with the statement's error. A
// nil tr starts none.
func span(ctx context.Context, tr trace.Tracer, system attribute.KeyValue, query string) (context.Context, func(error)) {
	if tr == nil || !trace.SpanFromContext(ctx).IsRecording() {
		return ctx, noEnd
	}
	op, table := summarize(query)
	name := op
	attrs := []attribute.KeyValue{system, semconv.DBOperationName(op)}
	if table != "" {
		name += " " + table
		attrs = append(attrs, semconv.DBCollectionName(table))
	}
	attrs = append(attrs, semconv.DBQuerySummary(name))
	ctx, sp := tr.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return ctx, func(err error) {
		if err != nil {
			sp.RecordError(err)
			sp.SetStatus(codes.Error, "statement failed")
		}
		sp.End()
	}
}

func noEnd(error) {}

// summarize returns the operation of query (its first keyword, upper
// case) and the table it reads or writes, when that is plain to see: the
// name after FROM, INTO, UPDATE or TABLE. It reads only keywords and
// names of the query itself, never parameter values (they are '?').
func summarize(query string) (op, table string) {
	words := strings.Fields(query)
	if len(words) == 0 {
		return "OTHER", ""
	}
	op = strings.ToUpper(strings.Trim(words[0], "("))
	if !plainWord(op) || len(op) > 16 {
		op = "OTHER"
	}
	for i, w := range words[:len(words)-1] {
		switch strings.ToUpper(w) {
		case "FROM", "INTO", "UPDATE", "TABLE", "JOIN":
			t := strings.Trim(words[i+1], "`\"();,")
			if t != "" && plainWord(t) && !strings.EqualFold(t, "SELECT") {
				return op, t
			}
		}
	}
	return op, ""
}

// plainWord reports whether s is a name: letters, digits and underscores.
func plainWord(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return s != ""
}

// Summarize returns the name a statement's span gets: its operation, and
// its table when plain to see ("SELECT transactions").
func Summarize(query string) string {
	op, table := summarize(query)
	if table == "" {
		return op
	}
	return op + " " + table
}
