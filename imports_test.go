package socpilot_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// Each service's SDK is imported by the one package that wraps it, and the
// root package imports no package of this module: the import graph, read
// from `go list -deps -json`, keeps it so.
func TestImportBoundaries(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not available")
	}
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/socpilot/socpilot"
	owners := map[string]string{
		"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/securityinsights": mod + "/sentinel",
		"github.com/openai/openai-go":                                            mod + "/llm",
		"modernc.org/sqlite":                                                     mod + "/sqlite",
		"github.com/jackc/pgx":                                                   mod + "/postgres",
		"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs":             mod + "/kql/logs",
		"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets":      mod + "/config",
		"github.com/coreos/go-oidc":                                              mod + "/signin",
		"golang.org/x/oauth2":                                                    mod + "/signin",
		"github.com/go-jose/go-jose":                                             mod + "/signin",
		"github.com/modelcontextprotocol/go-sdk":                                 mod + "/mcp",
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		for _, imp := range p.Imports {
			for sdk, owner := range owners {
				// The owner's own test helpers (postgres/pgtest) sit beside it.
				if strings.HasPrefix(imp, sdk) && p.ImportPath != owner && !strings.HasPrefix(p.ImportPath, owner+"/") {
					t.Errorf("%s imports %s; only %s may", p.ImportPath, imp, owner)
				}
			}
			if p.ImportPath == mod && strings.HasPrefix(imp, mod+"/") {
				t.Errorf("the root package imports %s; it must import no project package", imp)
			}
		}
	}
}

// The binary links no package that costs megabytes for what socpilot does not
// use: glamour brought chroma (every lexer and style), bluemonday and a CSS
// parser for the chat's Markdown, about 4 MB (issue 10: binary <= 50 MB).
func TestBinaryLeavesOutHeavyPackages(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not available")
	}
	out, err := exec.Command("go", "list", "-deps", "./cmd/socpilot").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, heavy := range []string{"charm.land/glamour", "github.com/alecthomas/chroma", "github.com/microcosm-cc/bluemonday"} {
			if dep == heavy || strings.HasPrefix(dep, heavy+"/") {
				t.Errorf("socpilot links %s", dep)
			}
		}
	}
}
