package config

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestSettingsAreDocumented: every TAP_* variable Parse reads is in
// Settings (so serve -h lists it and it is not reported as unknown), every
// setting is read by Parse (TAP_TOKEN by the client), and README.md's
// Configuration table has a row for each.
func TestSettingsAreDocumented(t *testing.T) {
	read := map[string]bool{"TAP_TOKEN": true} // ClientFromEnv
	c := Default()
	c.Parse(func(name string) (string, bool) {
		if strings.HasPrefix(name, "TAP_") {
			read[name] = true
		}
		return "", false
	})
	for name := range read {
		if !slices.ContainsFunc(Settings, func(s Setting) bool { return s.Name == name }) {
			t.Errorf("Parse reads %s, which Settings does not list", name)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	table := string(readme)
	if i := strings.Index(table, "## Configuration"); i >= 0 {
		table = table[i:]
	}
	for _, s := range Settings {
		if !read[s.Name] {
			t.Errorf("Settings lists %s, which Parse does not read", s.Name)
		}
		if !strings.Contains(table, "`"+s.Name+"`") {
			t.Errorf("README.md's Configuration section has no row for %s", s.Name)
		}
	}
}

func TestUnknown(t *testing.T) {
	got := Unknown([]string{"PATH=/bin", "TAP_TRANSFROM=SELECT a", "TAP_TRANSFORM=SELECT *", "TAP_BUCKETS=x", "TAP_SOMETHING_ELSE=1", "tap_dir=x", "TAP_="})
	want := []UnknownVar{{"TAP_TRANSFROM", "TAP_TRANSFORM"}, {"TAP_BUCKETS", "TAP_BUCKET"}, {"TAP_SOMETHING_ELSE", ""}, {"TAP_", ""}}
	if !slices.Equal(got, want) {
		t.Errorf("Unknown = %v, want %v", got, want)
	}
}
