package main

import (
	"fmt"
	"io"
	"strings"
)

// writeCrudReport prints the table of every run, their errors and notes, the
// ratio API/baseline and how the figures compare with issue 2's targets.
func writeCrudReport(w io.Writer, cfg benchCrudConfig, results []crudResult) {
	var rows []tableRow
	for _, r := range results {
		for o, out := range r.Ops {
			if out.Ran {
				rows = append(rows, tableRow{Label: r.Label + " " + opNames[o], S: out.Sum})
			}
		}
	}
	writeTable(w, rows)
	writeCrudNotes(w, results)
	if len(results) > 1 {
		writeCrudRatio(w, cfg, results[0], results[1])
	}
	writeCrudTargets(w, cfg, results)
}

// writeCrudNotes prints the first distinct errors of every operation and
// the notes of every run.
func writeCrudNotes(w io.Writer, results []crudResult) {
	interrupted := false
	for _, r := range results {
		interrupted = interrupted || r.Interrupted
		for o, out := range r.Ops {
			if out.Ran && out.Errs != nil && !out.Errs.empty() {
				fmt.Fprintf(w, "\nerrors of %s %s (the first distinct ones):\n", r.Label, opNames[o])
				out.Errs.write(w, "  ")
			}
		}
	}
	var notes []string
	for _, r := range results {
		notes = append(notes, r.Notes...)
	}
	if interrupted {
		notes = append(notes, "interrupted: the figures cover the time until then")
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, "note:", n)
		}
	}
}

// writeCrudRatio prints the API's throughput over the baseline's, per
// operation that both ran.
func writeCrudRatio(w io.Writer, cfg benchCrudConfig, api, db crudResult) {
	var parts []string
	for o := range numOps {
		if api.Ops[o].Ran && db.Ops[o].Ran && db.Ops[o].Sum.PerSecond() > 0 {
			parts = append(parts, fmt.Sprintf("%s %.2f", opNames[o], api.Ops[o].Sum.PerSecond()/db.Ops[o].Sum.PerSecond()))
		}
	}
	if len(parts) == 0 {
		return
	}
	fmt.Fprintf(w, "\nthroughput API/baseline: %s", strings.Join(parts, ", "))
	if cfg.Load.Rate > 0 {
		fmt.Fprintf(w, " (both paced at %d req/s: near 1 when both keep up)", cfg.Load.Rate)
	}
	fmt.Fprintln(w)
}

// writeCrudTargets prints how the run compares with issue 2's targets.
func writeCrudTargets(w io.Writer, cfg benchCrudConfig, results []crudResult) {
	api := results[0]
	fmt.Fprintln(w, "\ntargets (issue 2, on MariaDB):")
	if c := api.Ops[opCreate]; c.Ran && len(results) > 1 && results[1].Ops[opCreate].Ran && cfg.Load.Rate == 0 {
		ratio := c.Sum.PerSecond() / results[1].Ops[opCreate].Sum.PerSecond()
		fmt.Fprintf(w, "  create throughput >= %.0f%% of the baseline: %.0f%% (%s)\n", targetCreateRatio*100, ratio*100, metText(ratio >= targetCreateRatio))
	} else {
		fmt.Fprintf(w, "  create throughput >= %.0f%% of the baseline: needs --db and no --rate\n", targetCreateRatio*100)
	}
	g := api.Ops[opGet]
	getRate := cfg.Load.Rate // gets offered per second
	if cfg.Mix.total() > 0 {
		getRate = cfg.Load.Rate * cfg.Mix[opGet] / cfg.Mix.total()
	}
	switch {
	case !g.Ran:
		fmt.Fprintf(w, "  get p99 <= %s ms at %d req/s: no gets ran\n", ms(targetGetP99), targetGetRate)
	case getRate < targetGetRate:
		fmt.Fprintf(w, "  get p99 <= %s ms at %d req/s: needs gets offered at --rate %d or more (this run: p99 %s ms at %.0f req/s)\n",
			ms(targetGetP99), targetGetRate, targetGetRate, ms(g.Sum.P99), g.Sum.PerSecond())
	default:
		kept := g.Sum.Errors == 0 && !api.FellBehind
		fmt.Fprintf(w, "  get p99 <= %s ms at %d req/s: p99 %s ms with %d req/s offered, %.0f achieved (%s)\n",
			ms(targetGetP99), targetGetRate, ms(g.Sum.P99), getRate, g.Sum.PerSecond(),
			metText(kept && g.Sum.P99 <= targetGetP99))
	}
}
