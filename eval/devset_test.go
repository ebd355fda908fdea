package eval_test

// The development set's floors: the offline analyst, on the labelled demo
// incidents (emulator/demodata) and the labelled development set
// (eval/devset), must keep verdicts, containment and harm where a senior
// analyst would sign them. Each file is read the way `socpilot eval DIR`
// reads it: served by the emulator, fetched through the Sentinel client.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/eval"
	"github.com/socpilot/socpilot/offline"
	"github.com/socpilot/socpilot/sentinel"
)

// labelledDirs hold the labelled incident files, relative to this package.
var labelledDirs = []string{filepath.Join("..", "emulator", "demodata"), "devset"}

// Floors of the development set (issue 9, item 10).
const (
	floorExact            = 90.0  // % of verdicts exactly as labelled
	floorWithinAcceptable = 100.0 // % of verdicts the labels accept
	floorActionRecall     = 90.0  // mean % of expected actions in the checklist
	floorCompromised      = 90.0  // mean % of compromised entities named
)

func TestDevelopmentSetFloors(t *testing.T) {
	ctx := context.Background()
	var cases []eval.Case
	var looked []string
	for _, dir := range labelledDirs {
		got, err := loadLabelled(ctx, dir)
		switch {
		case errors.Is(err, errNoFiles):
			looked = append(looked, dir+" (no *.json files)")
			continue
		case errors.Is(err, errNoLabels):
			looked = append(looked, dir+" ("+strings.TrimPrefix(err.Error(), errNoLabels.Error()+": ")+")")
			continue
		case err != nil:
			t.Fatalf("%s: %v", dir, err)
		}
		looked = append(looked, dir+" ("+fmt.Sprint(len(got))+" labelled)")
		cases = append(cases, got...)
	}
	if len(cases) == 0 {
		t.Fatalf("no labelled files were found: looked in %s", strings.Join(looked, ", "))
	}

	analyst := offline.New(offline.Options{})
	rep, err := eval.Run(ctx, cases, func(_ context.Context, d socpilot.IncidentDetails) (socpilot.Analysis, error) {
		return analyst.Analyze(d), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rep.Mode, rep.Source, rep.Analyst = "files", strings.Join(looked, ", "), socpilot.SourceOffline
	tot := rep.Totals
	t.Logf("%d incidents: exact %.1f%%, within acceptable %.1f%%, action recall %.1f%%, compromised recall %.1f%%, tactic recall %.1f%%, harmful actions %d",
		tot.Incidents, tot.Exact.Percent, tot.WithinAcceptable.Percent, tot.Actions.Percent, tot.Compromised.Percent, tot.Tactics.Percent, tot.HarmfulActions)

	var failed []string
	if tot.Exact.Percent < floorExact {
		failed = append(failed, "exact verdict "+pct(tot.Exact.Percent)+" < "+pct(floorExact))
	}
	if tot.WithinAcceptable.Percent < floorWithinAcceptable {
		failed = append(failed, "verdict within acceptable "+pct(tot.WithinAcceptable.Percent)+" < "+pct(floorWithinAcceptable))
	}
	if tot.Actions.Incidents > 0 && tot.Actions.Percent < floorActionRecall {
		failed = append(failed, "action recall "+pct(tot.Actions.Percent)+" < "+pct(floorActionRecall))
	}
	if tot.Compromised.Incidents > 0 && tot.Compromised.Percent < floorCompromised {
		failed = append(failed, "compromised recall "+pct(tot.Compromised.Percent)+" < "+pct(floorCompromised))
	}
	if tot.HarmfulActions > 0 {
		failed = append(failed, "harmful actions "+fmt.Sprint(tot.HarmfulActions)+" > 0")
	}
	if tot.Actions.Incidents == 0 || tot.Compromised.Incidents == 0 {
		failed = append(failed, "the labels expect no action or no compromised entity anywhere: the recall floors measure nothing")
	}
	if len(failed) > 0 {
		var b bytes.Buffer
		if err := eval.WriteText(&b, rep); err != nil {
			t.Fatal(err)
		}
		t.Errorf("the development set is below its floors: %s\n\n%s", strings.Join(failed, "; "), b.String())
	}
}

var (
	errNoFiles  = errors.New("no incident files")
	errNoLabels = errors.New("no file has labels")
)

// loadLabelled reads dir's labels and its incidents as `socpilot eval DIR`
// does: an emulator serves the files and the Sentinel client reads each one.
func loadLabelled(ctx context.Context, dir string) ([]eval.Case, error) {
	fsys := os.DirFS(dir)
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, errNoFiles
	}
	// A directory where no file is labelled yet is not a broken one; a
	// directory where only some are is (eval.ReadCases names the file).
	labelled := 0
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var top map[string]json.RawMessage
		if json.Unmarshal(b, &top) == nil && top["expected"] != nil {
			labelled++
		}
	}
	if labelled == 0 {
		return nil, fmt.Errorf("%w: %d *.json files, none with \"expected\"", errNoLabels, len(names))
	}
	cases, err := eval.ReadCases(fsys)
	if err != nil {
		return nil, err
	}
	ds, err := emulator.LoadDataset(fsys)
	if err != nil {
		return nil, err
	}
	srv, err := emulator.New(emulator.Options{Dataset: ds})
	if err != nil {
		return nil, err
	}
	ws, err := sentinel.New(sentinel.Workspace{SubscriptionID: emulator.DemoSubscription, ResourceGroup: emulator.DemoResourceGroup, Name: emulator.DemoWorkspace},
		emulator.Credential{}, sentinel.Options{Transport: srv.HTTPClient()})
	if err != nil {
		return nil, err
	}
	for i, c := range cases {
		d, err := ws.Details(ctx, c.Number)
		if err != nil {
			return nil, err
		}
		cases[i].Details = d
		cases[i].File = filepath.Join(filepath.Base(dir), c.File)
	}
	return cases, nil
}

func pct(f float64) string { return fmt.Sprintf("%.1f %%", f) }
