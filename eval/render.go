package eval

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// WriteJSON writes the report as indented JSON (`socpilot eval -o json`).
func WriteJSON(w io.Writer, r Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report for a reader: a table of the incidents, what
// to look at in each incident that fell short, the totals and the
// confusion matrix.
func WriteText(w io.Writer, r Report) error {
	p := &printer{w: w}
	analyst := "the offline analyst"
	if r.Analyst != "" && r.Analyst != "offline" {
		analyst = r.Analyst
	}
	from := ""
	if r.Source != "" {
		from = " from " + r.Source
	}
	kind := "labelled incidents"
	if r.Mode == "closed" {
		kind = "closed incidents"
	}
	if len(r.Incidents) == 1 {
		kind = strings.TrimSuffix(kind, "s")
	}
	p.f("Evaluation of %d %s%s, analysed by %s.\n", len(r.Incidents), kind, from, analyst)
	for _, n := range r.Notes {
		p.f("Note: %s\n", n)
	}
	if len(r.Incidents) > 0 {
		p.f("\n")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "INCIDENT\tEXPECTED\tGOT\tSCORE\tVERDICT\tCOMPROMISED\tACTIONS\tTACTICS\tHARMFUL\tFILE OR TITLE")
		for _, x := range r.Incidents {
			got, score := string(x.Got), fmt.Sprint(x.Score)
			if x.Error != "" {
				got, score = "-", "-"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%5s\t%s\t%s\t%s\t%s\t%d\t%s\n", x.Number, x.Expected, got, score, outcome(x),
				fraction(x.Compromised), fraction(x.Actions), fraction(x.Tactics), len(x.Harmful), clip(label(x), 60))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	p.shortfalls(r.Incidents)

	t := r.Totals
	p.f("\nTotals over %d incident%s\n", t.Incidents, plural(t.Incidents))
	p.f("  verdict exact               %s\n", rateText(t.Exact))
	p.f("  verdict within acceptable   %s\n", rateText(t.WithinAcceptable))
	p.f("  compromised-entity recall   %s\n", recallText(t.Compromised, "entity", "entities"))
	p.f("  action recall               %s\n", recallText(t.Actions, "action", "actions"))
	p.f("  tactic recall               %s\n", recallText(t.Tactics, "tactic", "tactics"))
	p.f("  harmful actions present     %5d%s\n", t.HarmfulActions, inIncidents(t.IncidentsWithHarm))
	if t.Errors > 0 {
		p.f("  analyses that failed        %5d     (counted as wrong)\n", t.Errors)
	}
	if t.Usage.Calls > 0 {
		p.f("  model usage                 %5d     call(s), %d prompt + %d completion tokens", t.Usage.Calls, t.Usage.PromptTokens, t.Usage.CompletionTokens)
		if t.Usage.CostUSD > 0 {
			p.f(", about $%.4f", t.Usage.CostUSD)
		}
		p.f("\n")
	}
	if len(r.Skipped) > 0 {
		p.f("  skipped                     %5d     (see below)\n", len(r.Skipped))
	}

	p.f("\nConfusion matrix (rows: expected, columns: got; failed analyses left out)\n")
	p.f("  %-10s", "")
	for _, v := range t.Confusion.Verdicts {
		p.f("%11s", v)
	}
	p.f("\n")
	for i, v := range t.Confusion.Verdicts {
		p.f("  %-10s", v)
		for j := range t.Confusion.Verdicts {
			p.f("%11d", t.Confusion.Counts[i][j])
		}
		p.f("\n")
	}

	if len(r.Skipped) > 0 {
		p.f("\nSkipped:\n")
		for _, s := range r.Skipped {
			p.f("  %d %s: %s\n", s.Number, clip(s.Title, 60), s.Reason)
		}
	}
	return p.err
}

// shortfalls lists, for each incident that fell short, what to look at.
func (p *printer) shortfalls(results []Result) {
	header := false
	for _, x := range results {
		var lines []string
		switch {
		case x.Error != "":
			lines = append(lines, "the analysis failed: "+x.Error)
		case !x.Exact:
			s := fmt.Sprintf("verdict %s (score %d), expected %s", x.Got, x.Score, x.Expected)
			if x.WithinAcceptable {
				s += fmt.Sprintf("; %s is acceptable", x.Got)
			}
			lines = append(lines, s)
		}
		if x.Error == "" {
			if len(x.Compromised.Missed) > 0 {
				lines = append(lines, "compromised, not named: "+strings.Join(x.Compromised.Missed, ", "))
			}
			if len(x.Actions.Missed) > 0 {
				lines = append(lines, "actions missing: "+strings.Join(x.Actions.Missed, ", "))
			}
			if len(x.Tactics.Missed) > 0 {
				lines = append(lines, "tactics missing: "+strings.Join(x.Tactics.Missed, ", "))
			}
		}
		for _, h := range x.Harmful {
			lines = append(lines, fmt.Sprintf("harmful: %s %s in step %q (%s)", h.Verb, h.Entity, h.Step, h.Why))
		}
		if x.Fallback != "" {
			lines = append(lines, "model fallback: "+x.Fallback)
		}
		if len(lines) == 0 {
			continue
		}
		if !header {
			p.f("\nTo look at:\n")
			header = true
		}
		p.f("  %d %s\n", x.Number, clip(heading(x), 100))
		for _, l := range lines {
			p.f("      %s\n", l)
		}
	}
}

func outcome(x Result) string {
	switch {
	case x.Error != "":
		return "ERROR"
	case x.Exact:
		return "exact"
	case x.WithinAcceptable:
		return "acceptable"
	}
	return "WRONG"
}

// heading names an incident by its title and file.
func heading(x Result) string {
	switch {
	case x.File == "":
		return x.Title
	case x.Title == "":
		return x.File
	}
	return x.Title + " (" + x.File + ")"
}

func label(x Result) string {
	if x.File != "" {
		return x.File
	}
	return x.Title
}

func fraction(r Recall) string {
	if r.Expected == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d", r.Found, r.Expected)
}

func rateText(r Rate) string {
	if r.Of == 0 {
		return "    -"
	}
	return fmt.Sprintf("%5.1f %%  (%d of %d)", r.Percent, r.Count, r.Of)
}

func recallText(r RecallTotal, one, many string) string {
	if r.Incidents == 0 {
		return "    -     (no incident expects any)"
	}
	things := many
	if r.Expected == 1 {
		things = one
	}
	return fmt.Sprintf("%5.1f %%  (%d of %d %s, over %d incident%s)", r.Percent, r.Found, r.Expected, things, r.Incidents, plural(r.Incidents))
}

func inIncidents(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("     (in %d incident%s)", n, plural(n))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// clip cuts s to n runes on one line.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// printer keeps the first write error.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
