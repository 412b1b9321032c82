package internal_test

import (
	"go/build"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// allowed lists, per package, the Steward packages it may import. Imports
// point inward: edges (httpapi, console, server, cli) → service → store, access,
// authn → org, crm, errs. The domain and the engine know nothing of SQL or
// HTTP. A package missing here fails the test until its place is decided.
var allowed = map[string][]string{
	"errs":            {},
	"fieldcheck":      {"errs"},
	"org":             {"errs", "fieldcheck"},
	"crm":             {"errs", "fieldcheck"},
	"access":          {"errs"},
	"fields":          {"errs", "fieldcheck", "access", "crm", "mask"},
	"sheet":           {"errs"},
	"authn":           {"errs"},
	"mask":            {},
	"audit":           {"errs"},
	"keyring":         {"errs"},
	"policy":          {"errs", "fieldcheck", "access"},
	"store":           {"errs", "org", "crm", "access", "audit", "fields", "keyring"},
	"store/storetest": {"store"},
	"service":         {"errs", "fieldcheck", "org", "crm", "access", "audit", "authn", "mask", "store", "fields", "sheet", "policy", "keyring", "rewind"},
	"rewind":          {"access", "audit"},
	"httpapi":         {"errs", "fieldcheck", "org", "crm", "access", "audit", "service", "store", "fields", "policy"},
	"console":         {"errs", "org", "crm", "access", "audit", "service", "store", "fields", "policy"},
	"server":          {"errs", "httpapi", "console", "service"},
	"demo":            {"errs", "org", "crm", "access", "service", "store"},
	"bench":           {"errs", "org", "crm", "access", "service", "store"},
	"auditstream":     {"errs", "audit"},
	"jobs":            {"errs", "service", "store"},
	"cli":             {"errs", "audit", "auditstream", "store", "service", "server", "demo", "bench", "jobs", "policy", "keyring"},
}

// forbiddenStd are standard packages the pure centre must not import.
var forbiddenStd = map[string][]string{
	"access":  {"database/sql", "net/http", "os"},
	"org":     {"database/sql", "net/http", "os"},
	"crm":     {"database/sql", "net/http", "os"},
	"authn":   {"database/sql", "net/http", "os"},
	"errs":    {"database/sql", "net/http", "os"},
	"mask":    {"database/sql", "net/http", "os"},
	"fields":  {"database/sql", "net/http", "os"},
	"audit":   {"database/sql", "net/http", "os"},
	"policy":  {"database/sql", "net/http", "os"},
	"keyring": {"database/sql", "net/http", "os"},
	"rewind":  {"database/sql", "net/http", "os"},
}

func TestImportRules(t *testing.T) {
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() || strings.Contains(path, "testdata") {
			return err
		}
		pkg, err := build.ImportDir(path, 0)
		if err != nil {
			return nil // no Go files here
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		seen++
		ok, known := allowed[rel]
		if !known {
			t.Errorf("package internal/%s has no import rule in deps_test.go", rel)
			return nil
		}
		for _, imp := range pkg.Imports {
			if dep, isOurs := strings.CutPrefix(imp, "steward/internal/"); isOurs && !contains(ok, dep) {
				t.Errorf("internal/%s imports internal/%s, which its rule does not allow", rel, dep)
			}
			if contains(forbiddenStd[rel], imp) {
				t.Errorf("internal/%s imports %s; it must stay free of I/O", rel, imp)
			}
		}
		if _, pure := forbiddenStd[rel]; pure {
			for _, f := range pkg.GoFiles {
				if b, err := os.ReadFile(filepath.Join(path, f)); err == nil && strings.Contains(string(b), "time.Now(") {
					t.Errorf("internal/%s/%s reads the clock; take the time as a parameter", rel, f)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 10 {
		t.Fatalf("checked only %d packages; is the walk broken?", seen)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
