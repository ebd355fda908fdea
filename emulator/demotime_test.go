package emulator

// The demo dataset's free text ("between 07:02 and 07:41 UTC", "the
// Tuesday 01:00-05:00 UTC window", "recovery point 2026-01-06 22:00 UTC")
// must stay true of the seeded timestamps on whatever day the demo runs:
// seeding shifts by whole weeks, and moves the dates written in text with
// the timestamps.

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// seedClocks are the "now" values the demo is seeded at: the anchor, a
// minute, days and hours, a week and more than a year after it, a clock
// before it, and the real one.
func seedClocks() []time.Time {
	return []time.Time{
		DatasetAnchor,
		DatasetAnchor.Add(time.Minute),
		DatasetAnchor.Add(3*24*time.Hour + 5*time.Hour + 17*time.Minute),
		DatasetAnchor.Add(4*24*time.Hour + 12*time.Hour),
		DatasetAnchor.Add(6*24*time.Hour + 23*time.Hour + 59*time.Minute),
		DatasetAnchor.Add(7 * 24 * time.Hour),
		DatasetAnchor.Add(400*24*time.Hour + 11*time.Hour + 3*time.Minute),
		DatasetAnchor.Add(-2*24*time.Hour - 9*time.Hour),
		time.Now().UTC(),
	}
}

func TestSeedShift(t *testing.T) {
	for _, tc := range []struct {
		after time.Duration
		want  time.Duration
	}{
		{0, 0},
		{time.Minute, 0},
		{6*24*time.Hour + 23*time.Hour + 59*time.Minute, 0},
		{7 * 24 * time.Hour, week},
		{10*24*time.Hour + 3*time.Hour, week},
		{400 * 24 * time.Hour, 57 * week},
		{-time.Minute, -week},
		{-week, -week},
		{-week - time.Second, -2 * week},
	} {
		if got := SeedShift(DatasetAnchor.Add(tc.after)); got != tc.want {
			t.Errorf("SeedShift(anchor%+v) = %v, want %v", tc.after, got, tc.want)
		}
	}
}

func TestShiftTextDates(t *testing.T) {
	for in, want := range map[string]string{
		"Last recovery point for FS-CORP-01: 2026-01-06 22:00 UTC.":                  "Last recovery point for FS-CORP-01: 2026-01-13 22:00 UTC.",
		"between (datetime(2026-01-05T07:00:00Z) .. datetime(2026-01-05T08:00:00Z))": "between (datetime(2026-01-12T07:00:00Z) .. datetime(2026-01-12T08:00:00Z))",
		"2026-01-30":                       "2026-02-06",
		"2026-01-30 2026-01-31":            "2026-02-06 2026-02-07",
		"across the year end 2025-12-29.":  "across the year end 2026-01-05.",
		"build 12026-01-05, v2026-01-05x":  "build 12026-01-05, v2026-01-05x",
		"KB2026-01-06 and 2026-01-06-beta": "KB2026-01-06 and 2026-01-06-beta",
		"guid 20260105-1234-5678":          "guid 20260105-1234-5678",
		"not a date: 2026-13-45":           "not a date: 2026-13-45",
		"no dates at all":                  "no dates at all",
	} {
		if got := shiftTextDates(in, week); got != want {
			t.Errorf("shiftTextDates(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSeededDemoKeepsTimesOfDayAndWeekdays: every timestamp of every demo
// incident, seeded at any clock, moved by whole weeks, none after now.
func TestSeededDemoKeepsTimesOfDayAndWeekdays(t *testing.T) {
	ds := Demo()
	for _, now := range seedClocks() {
		t.Run(now.Format("2006-01-02T15:04"), func(t *testing.T) {
			s, err := New(Options{Dataset: ds, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			shift := SeedShift(now)
			if shift%week != 0 || DatasetAnchor.Add(shift).After(now) || !DatasetAnchor.Add(shift+week).After(now) {
				t.Fatalf("shift %v at %v: want the largest whole number of weeks not after now - anchor", shift, now)
			}
			if len(s.st.Incidents) != len(ds.Incidents) {
				t.Fatalf("seeded %d incidents, want %d", len(s.st.Incidents), len(ds.Incidents))
			}
			for i, seeded := range s.st.Incidents {
				orig := ds.Incidents[i]
				num := incidentNumberOf(seeded)
				was, got := recordTimestamps(orig), recordTimestamps(seeded)
				if len(was) == 0 {
					t.Errorf("incident %d: no timestamps found", num)
				}
				if diff := cmp.Diff(keys(was), keys(got)); diff != "" {
					t.Errorf("incident %d: timestamps not where they were (-dataset +seeded):\n%s", num, diff)
					continue
				}
				for path, w := range was {
					g := got[path]
					if g.Sub(w) != shift || g.Weekday() != w.Weekday() || g.Format("15:04:05.999999999") != w.Format("15:04:05.999999999") {
						t.Errorf("incident %d %s: %v seeded as %v: want %v later, same weekday and time of day", num, path, w, g, shift)
					}
				}
				for _, at := range activityTimes(seeded) {
					if at.After(now) {
						t.Errorf("incident %d: activity at %v is after now (%v)", num, at, now)
					}
				}
			}
		})
	}
}

// TestSeededDemoTextAgreesWithItsTimes: the times of day, weekdays and
// dates the demo incidents' free text names fit the seeded incident. A
// shift by anything but whole weeks moves the timestamps away from the
// text (07:02 written, 12:19 seeded) and fails here.
func TestSeededDemoTextAgreesWithItsTimes(t *testing.T) {
	ds := Demo()
	for _, now := range seedClocks() {
		t.Run(now.Format("2006-01-02T15:04"), func(t *testing.T) {
			s, err := New(Options{Dataset: ds, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			for _, rec := range s.st.Incidents {
				for _, problem := range textTimeProblems(rec) {
					t.Errorf("incident %d: %s", incidentNumberOf(rec), problem)
				}
			}
		})
	}
}

// TestTextTimeCheckCatchesAMinuteShift keeps the check above honest: the
// same data shifted by a whole number of minutes that is not whole weeks
// (the old seeding) disagrees with its text.
func TestTextTimeCheckCatchesAMinuteShift(t *testing.T) {
	ds := Demo()
	for _, off := range []time.Duration{5*time.Hour + 17*time.Minute, 3 * 24 * time.Hour, 12 * time.Hour} {
		bad := 0
		for _, src := range ds.Incidents {
			rec := cloneRecord(src)
			rec.walk(func(v any) any {
				if s, ok := v.(string); ok {
					if ts, ok := shiftTimestamp(s, off); ok {
						return ts
					}
				}
				return v
			}, nil)
			bad += len(textTimeProblems(rec))
		}
		if bad == 0 {
			t.Errorf("timestamps shifted by %v and text left alone: the check found nothing", off)
		}
	}
}

// slack is how far a time of day written in text may lie outside the
// incident's activity: a reset done an hour after the last alert, a scan
// window that closes after the scan's last packet.
const slack = 2 * time.Hour

// textTimeProblems checks rec's free text (description, classification
// comment, alert descriptions, analyst comments) against its timestamps:
//   - a time of day (07:52, 01:00-05:00) falls, on one of the days of the
//     activity window, between the first activity - 2h and the last
//     activity, alert or comment + 2h;
//   - a weekday named is the weekday of one of its activity timestamps;
//   - a date written (2026-01-06, with or without a time) is within 31 days
//     of the activity window.
func textTimeProblems(rec *Record) []string {
	times := activityTimes(rec)
	if len(times) == 0 {
		return []string{"no activity timestamps"}
	}
	lo, hi := slices.MinFunc(times, time.Time.Compare), slices.MaxFunc(times, time.Time.Compare)
	lo, hi = lo.Add(-slack), hi.Add(slack)
	weekdays := map[time.Weekday]bool{}
	for _, at := range times {
		weekdays[at.Weekday()] = true
	}
	var problems []string
	for _, text := range freeTexts(rec) {
		for _, m := range clockRE.FindAllStringSubmatchIndex(text, -1) {
			start, end := m[0], m[1]
			if start > 0 && strings.ContainsRune("0123456789:.", rune(text[start-1])) || end < len(text) && strings.ContainsRune("0123456789", rune(text[end])) {
				continue // part of a longer number or an hh:mm:ss's minutes
			}
			if dateBefore(text[:start]) {
				continue // a date-qualified time: checked with the dates
			}
			hh, _ := strconv.Atoi(text[m[2]:m[3]])
			mm, _ := strconv.Atoi(text[m[4]:m[5]])
			if !clockWithin(hh, mm, lo, hi) {
				problems = append(problems, fmt.Sprintf("%q says %02d:%02d, outside %s .. %s (activity ± %v)",
					excerpt(text, start, end), hh, mm, lo.Format(time.RFC3339), hi.Format(time.RFC3339), slack))
			}
		}
		for _, m := range weekdayRE.FindAllStringIndex(text, -1) {
			name := text[m[0]:m[1]]
			if !weekdays[weekdayNamed(name)] {
				problems = append(problems, fmt.Sprintf("%q names a %s, the incident's activity is on %s",
					excerpt(text, m[0], m[1]), name, weekdayList(weekdays)))
			}
		}
		for _, m := range dateRE.FindAllStringIndex(text, -1) {
			d, err := time.Parse(time.DateOnly, text[m[0]:m[1]])
			if err != nil {
				continue
			}
			if d.Before(lo.Add(-31*24*time.Hour)) || d.After(hi.Add(31*24*time.Hour)) {
				problems = append(problems, fmt.Sprintf("%q names %s, more than a month from the activity (%s .. %s)",
					excerpt(text, m[0], m[1]), d.Format(time.DateOnly), lo.Format(time.DateOnly), hi.Format(time.DateOnly)))
			}
		}
	}
	return problems
}

var (
	clockRE   = regexp.MustCompile(`([01]?[0-9]|2[0-3]):([0-5][0-9])`)
	weekdayRE = regexp.MustCompile(`\b(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day`)
	dateRE    = regexp.MustCompile(`\b20[0-9]{2}-[01][0-9]-[0-3][0-9]\b`)
	dateEnd   = regexp.MustCompile(`20[0-9]{2}-[01][0-9]-[0-3][0-9][T ]$`)
)

func dateBefore(prefix string) bool { return dateEnd.MatchString(prefix) }

// clockWithin reports whether hh:mm on some day of [lo, hi] lies in it.
func clockWithin(hh, mm int, lo, hi time.Time) bool {
	for day := lo.Truncate(24 * time.Hour); !day.After(hi); day = day.Add(24 * time.Hour) {
		at := day.Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
		if !at.Before(lo) && !at.After(hi) {
			return true
		}
	}
	return false
}

func weekdayNamed(name string) time.Weekday {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if d.String() == name {
			return d
		}
	}
	return -1
}

func weekdayList(set map[time.Weekday]bool) string {
	var names []string
	for d := time.Sunday; d <= time.Saturday; d++ {
		if set[d] {
			names = append(names, d.String())
		}
	}
	return strings.Join(names, ", ")
}

func excerpt(text string, start, end int) string {
	a, b := max(0, start-30), min(len(text), end+20)
	return text[a:b]
}

// freeTexts is what people and products wrote about the incident.
func freeTexts(rec *Record) []string {
	p := rec.Incident.Properties
	out := []string{stringProp(p, "description"), stringProp(p, "classificationComment")}
	for _, a := range rec.Alerts {
		out = append(out, stringProp(a.Properties, "description"))
	}
	for _, c := range rec.Comments {
		out = append(out, stringProp(c.Properties, "message"))
	}
	return out
}

// activityTimes are when the incident happened and was worked on: first
// and last activity, creation, alert start, end and generation, comments.
func activityTimes(rec *Record) []time.Time {
	var out []time.Time
	add := func(m map[string]any, keys ...string) {
		for _, k := range keys {
			if at, ok := timeProp(m, k); ok {
				out = append(out, at.UTC())
			}
		}
	}
	add(rec.Incident.Properties, "firstActivityTimeUtc", "lastActivityTimeUtc", "createdTimeUtc")
	for _, a := range rec.Alerts {
		add(a.Properties, "startTimeUtc", "endTimeUtc", "timeGenerated")
	}
	for _, c := range rec.Comments {
		add(c.Properties, "createdTimeUtc")
	}
	return out
}

// recordTimestamps are every RFC 3339 timestamp in rec, by where it is.
func recordTimestamps(rec *Record) map[string]time.Time {
	out := map[string]time.Time{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(path+"."+k, e)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		case string:
			if _, ok := shiftTimestamp(x, 0); ok {
				at, _ := time.Parse(time.RFC3339Nano, x)
				out[path] = at
			}
		}
	}
	each := func(list string, rs ...*Resource) {
		for _, r := range rs {
			walk(list+"/"+r.Name, r.Properties)
		}
	}
	each("incident", rec.Incident)
	each("alerts", rec.Alerts...)
	each("entities", rec.Entities...)
	each("bookmarks", rec.Bookmarks...)
	each("comments", rec.Comments...)
	each("tasks", rec.Tasks...)
	return out
}

func keys(m map[string]time.Time) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func incidentNumberOf(rec *Record) int64 {
	n, _ := intProp(rec.Incident.Properties, "incidentNumber")
	return n
}
