package attack

import "testing"

// The benchmarks run on the embedded catalog; inputs are the spellings that
// Sentinel incidents and alerts carry.

var sinkTechnique Technique
var sinkTactic Tactic
var sinkTechniques []Technique

func BenchmarkTechniqueByID(b *testing.B) {
	load()
	for _, bc := range []struct{ name, id string }{
		{"canonical", "T1110.003"},
		{"sloppy", " t1110/3 "},
		{"legacy", "T1086"},
		{"missing", "T9999"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkTechnique, _ = TechniqueByID(bc.id)
			}
		})
	}
}

func BenchmarkLookupTactic(b *testing.B) {
	load()
	for _, bc := range []struct{ name, in string }{
		{"id", "TA0006"},
		{"sentinel", "CredentialAccess"},
		{"attack", "Credential Access"},
		{"typo", "InitialAcces"},
		{"unknown", "Ransomware"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkTactic, _ = LookupTactic(bc.in)
			}
		})
	}
}

func BenchmarkTechniqueByName(b *testing.B) {
	load()
	b.ReportAllocs()
	for b.Loop() {
		sinkTechniques, _ = TechniqueByName("Password Spraying")
	}
}

func BenchmarkTechniquesOfTactic(b *testing.B) {
	load()
	b.ReportAllocs()
	for b.Loop() {
		sinkTechniques = TechniquesOfTactic("DefenseEvasion")
	}
}

// BenchmarkParse is the one-off cost of the first lookup in a process.
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parse(techniquesTxt, legacyTxt); err != nil {
			b.Fatal(err)
		}
	}
}
