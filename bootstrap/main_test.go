package main

import "testing"

func TestIsExtension(t *testing.T) {
	f := func(want bool, args ...string) {
		t.Helper()
		if got := isExtension(args); got != want {
			t.Errorf("isExtension(%q) = %v, want %v", args, got, want)
		}
	}
	f(true, "/opt/extensions/datatap")         // how Lambda starts a layer's extension
	f(true, "/opt/extensions/../extensions/x") // the same folder, however written
	f(true, "./datatap", "-extension")
	f(true, "datatap", "--extension")
	f(false, "/var/task/bootstrap")
	f(false, "/opt/extensions-not/datatap")
	f(false, "/opt/extensions/sub/datatap")
	f(false, "datatap", "serve")
	f(false, "datatap")
}
