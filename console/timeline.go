package console

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/socpilot/socpilot"
)

// The timeline chart is laid out here, in whole pixels, and drawn by
// templates/timeline.html as inline SVG: no script, no inline style (the
// Content-Security-Policy allows neither), and the same input always gives
// the same SVG. Every text from the incident reaches the template as a
// plain string, which html/template escapes.

// Timeline geometry, in SVG user units (the SVG scales to its container).
const (
	tlWidth     = 960
	tlPlotLeft  = 128 // left of it: the lane labels
	tlPlotRight = 944
	tlTop       = 34 // above the lanes: the first/last activity labels
	tlLaneH     = 28
	tlAxisH     = 34 // below the lanes: ticks and their labels
	// tlMinGap is the least distance between two marks of a lane: events
	// closer than that are drawn as one cluster with its count, so 150
	// alerts in a minute stay readable.
	tlMinGap = 18
	// tlMaxTicks bounds the tick labels so that they never overlap.
	tlMaxTicks = 8
	// tlTitleLines bounds the events a cluster's hover text lists.
	tlTitleLines = 12
)

// timelineChart is the view model of the timeline chart.
type timelineChart struct {
	Width, Height       int
	PlotLeft, PlotRight int
	AxisY, GridTop      int
	Lanes               []tlLane
	Ticks               []tlTick
	Marks               []tlMark
	Edges               []tlEdge // first and last activity
	// Summary says what the chart shows, in words.
	Summary string
}

type tlLane struct {
	Label string
	Class string // tl-lane-high, ..., tl-lane-activity
	Y     int    // the lane's centre line
	Count int
}

type tlTick struct {
	X     int
	Label string
}

// tlMark is one event, or a cluster of events too close to draw apart.
type tlMark struct {
	X, Y, R int
	Class   string
	Count   int    // >1: a cluster
	Label   string // the count drawn on a cluster
	Title   string // hover text: every event's time and text, capped
}

type tlEdge struct {
	X      int
	Y1, Y2 int
	LabelX int
	LabelY int
	Anchor string // start or end
	Label  string
	Title  string
}

// tlEvent is one point of the chart.
type tlEvent struct {
	t    time.Time
	lane int
	text string
}

// tlLaneDefs are the lanes, most severe first; an alert whose severity is
// none of Sentinel's goes in the "other" lane, and what is not an alert
// (incident created, analyst comments...) in the activity lane.
var tlLaneDefs = []struct{ key, label, class string }{
	{socpilot.SeverityHigh, "High alerts", "tl-lane-high"},
	{socpilot.SeverityMedium, "Medium alerts", "tl-lane-medium"},
	{socpilot.SeverityLow, "Low alerts", "tl-lane-low"},
	{socpilot.SeverityInformational, "Informational", "tl-lane-informational"},
	{"other", "Other alerts", "tl-lane-other"},
	{"activity", "Activity", "tl-lane-activity"},
}

// newTimelineChart lays out the analysis timeline of d: alerts by
// severity, other activity, and the incident's first and last activity.
// It returns nil when there is nothing with a time to draw.
func newTimelineChart(d socpilot.IncidentDetails, a socpilot.Analysis) *timelineChart {
	var evs []tlEvent
	for _, e := range a.Timeline {
		if e.Time.IsZero() {
			continue
		}
		evs = append(evs, tlEvent{t: e.Time.UTC(), lane: tlLaneOf(e.Severity), text: tlEventText(e)})
	}
	first, last := d.Incident.FirstActivityTime.UTC(), d.Incident.LastActivityTime.UTC()
	if len(evs) == 0 && first.IsZero() && last.IsZero() {
		return nil
	}
	// Stable by time, so events of one instant keep the analysis's order.
	slices.SortStableFunc(evs, func(x, y tlEvent) int { return x.t.Compare(y.t) })

	t0, t1 := tlDomain(evs, first, last)
	c := &timelineChart{Width: tlWidth, PlotLeft: tlPlotLeft, PlotRight: tlPlotRight, GridTop: tlTop - 4}
	x := func(t time.Time) int {
		f := float64(t.Sub(t0)) / float64(t1.Sub(t0))
		return tlPlotLeft + int(f*float64(tlPlotRight-tlPlotLeft)+0.5)
	}

	// Lanes: only those with events, in the fixed order.
	count := make([]int, len(tlLaneDefs))
	for _, e := range evs {
		count[e.lane]++
	}
	laneY := make([]int, len(tlLaneDefs))
	for i, def := range tlLaneDefs {
		if count[i] == 0 {
			continue
		}
		y := tlTop + len(c.Lanes)*tlLaneH + tlLaneH/2
		laneY[i] = y
		c.Lanes = append(c.Lanes, tlLane{Label: def.label, Class: def.class, Y: y, Count: count[i]})
	}
	lanes := max(1, len(c.Lanes))
	c.AxisY = tlTop + lanes*tlLaneH
	c.Height = c.AxisY + tlAxisH

	for i, def := range tlLaneDefs {
		if count[i] == 0 {
			continue
		}
		var lane []tlEvent
		for _, e := range evs {
			if e.lane == i {
				lane = append(lane, e)
			}
		}
		c.Marks = append(c.Marks, tlCluster(lane, x, laneY[i], def.class)...)
	}
	c.Ticks = tlTicks(t0, t1, x)
	c.Edges = tlEdges(first, last, x, c.AxisY)
	c.Summary = tlSummary(count, evs, first, last)
	return c
}

func tlLaneOf(severity string) int {
	if severity == "" {
		return len(tlLaneDefs) - 1
	}
	for i, def := range tlLaneDefs[:4] {
		if strings.EqualFold(severity, def.key) {
			return i
		}
	}
	return 4
}

func tlEventText(e socpilot.TimelineEntry) string {
	s := tlTime(e.Time) + " · "
	if e.Severity != "" {
		s += e.Severity + " · "
	}
	s += oneLine(e.Event)
	if e.Source != "" {
		s += " — " + oneLine(e.Source)
	}
	return clipText(s, 300)
}

// tlDomain is the time span drawn: the events and the activity edges, with
// a margin so that no mark sits on the frame. One instant becomes an hour
// around it.
func tlDomain(evs []tlEvent, first, last time.Time) (time.Time, time.Time) {
	var lo, hi time.Time
	widen := func(t time.Time) {
		if t.IsZero() {
			return
		}
		if lo.IsZero() || t.Before(lo) {
			lo = t
		}
		if hi.IsZero() || t.After(hi) {
			hi = t
		}
	}
	for _, e := range evs {
		widen(e.t)
	}
	widen(first)
	widen(last)
	span := hi.Sub(lo)
	if span < time.Minute {
		return lo.Add(-30 * time.Minute), hi.Add(30 * time.Minute)
	}
	pad := span / 40
	return lo.Add(-pad), hi.Add(pad)
}

// tlCluster turns one lane's events (in time order) into marks: an event
// within tlMinGap of the mark before it joins that mark, so marks never
// overlap however dense the lane.
func tlCluster(evs []tlEvent, x func(time.Time) int, y int, class string) []tlMark {
	var out []tlMark
	for i := 0; i < len(evs); {
		x0 := x(evs[i].t)
		j := i + 1
		for j < len(evs) && x(evs[j].t)-x0 < tlMinGap {
			j++
		}
		group := evs[i:j]
		m := tlMark{X: x0, Y: y, R: 5, Class: "tl-mark " + class, Count: len(group)}
		if len(group) == 1 {
			m.Title = group[0].text
		} else {
			m.R = 8
			m.Class += " tl-cluster"
			m.Label = strconv.Itoa(len(group))
			if len(group) > 99 {
				m.Label = "99+"
			}
			var b strings.Builder
			fmt.Fprintf(&b, "%d events, %s to %s", len(group), tlTime(group[0].t), tlTime(group[len(group)-1].t))
			for k, e := range group {
				if k == tlTitleLines {
					fmt.Fprintf(&b, "\n… and %d more", len(group)-k)
					break
				}
				b.WriteString("\n" + e.text)
			}
			m.Title = b.String()
		}
		out = append(out, m)
		i = j
	}
	return out
}

// tlSteps are the tick intervals, smallest first; the first that keeps the
// ticks within tlMaxTicks is used.
var tlSteps = []time.Duration{
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 2 * 24 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour, 28 * 24 * time.Hour,
	91 * 24 * time.Hour, 364 * 24 * time.Hour,
}

// tlTicks places ticks on whole multiples of the step in UTC (whole days
// start at midnight UTC) and labels them with the date where it changes.
func tlTicks(t0, t1 time.Time, x func(time.Time) int) []tlTick {
	step := tlSteps[len(tlSteps)-1]
	for _, s := range tlSteps {
		if t1.Sub(t0)/s < tlMaxTicks {
			step = s
			break
		}
	}
	var out []tlTick
	prevDay := ""
	for t := t0.Truncate(step); !t.After(t1); t = t.Add(step) {
		if t.Before(t0) {
			continue
		}
		day := t.Format("Jan 2")
		label := t.Format("15:04")
		switch {
		case step >= 24*time.Hour:
			label = day
		case day != prevDay:
			label = day + " " + label
		}
		prevDay = day
		out = append(out, tlTick{X: x(t), Label: label})
	}
	return out
}

// tlEdges are the incident's first and last activity, each labelled on its
// own row so the two labels never collide, and turned to the left when
// they would run off the right edge.
func tlEdges(first, last time.Time, x func(time.Time) int, axisY int) []tlEdge {
	var out []tlEdge
	for i, e := range []struct {
		t    time.Time
		name string
	}{{first, "first activity"}, {last, "last activity"}} {
		if e.t.IsZero() {
			continue
		}
		ex := x(e.t)
		label := e.name + " " + e.t.Format("Jan 2 15:04")
		edge := tlEdge{X: ex, Y1: 6 + i*13, Y2: axisY, LabelX: ex + 4, LabelY: 14 + i*13, Anchor: "start",
			Label: label, Title: e.name + ": " + tlTime(e.t)}
		// About 6 units a character at the label's size.
		if ex+4+len(label)*6 > tlWidth {
			edge.LabelX, edge.Anchor = ex-4, "end"
		}
		out = append(out, edge)
	}
	return out
}

func tlSummary(count []int, evs []tlEvent, first, last time.Time) string {
	alerts := 0
	for i := range tlLaneDefs[:5] {
		alerts += count[i]
	}
	other := count[len(count)-1]
	s := plural(alerts, "alert") + " and " + plural(other, "other event")
	if len(evs) > 0 {
		s += ", " + tlTime(evs[0].t)
		if !evs[len(evs)-1].t.Equal(evs[0].t) {
			s += " to " + tlTime(evs[len(evs)-1].t)
		}
	}
	if !first.IsZero() && !last.IsZero() {
		s += "; activity from " + tlTime(first) + " to " + tlTime(last)
	}
	return s + "."
}

func tlTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// plural is "1 alert", "2 alerts", "3 entities".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if strings.HasSuffix(what, "y") {
		return strconv.Itoa(n) + " " + strings.TrimSuffix(what, "y") + "ies"
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// clipMiddle shortens s to at most n characters by cutting its middle:
// paths, URLs and hashes differ at their ends.
func clipMiddle(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	head := (n - 1) * 2 / 5
	return string(r[:head]) + "…" + string(r[len(r)-(n-1-head):])
}

// clipText shortens s to at most n characters, ending it with "…".
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
