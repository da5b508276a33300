// Package version describes how the running binary was built.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is overridden at link time: -ldflags "-X example.com/greeter/internal/version.Version=1.2.3".
var Version = "dev"

// Describe returns the version, the Go release and the cgo/trimpath build settings.
func Describe() string {
	cgo, trimpath := "unknown", "false"
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			switch s.Key {
			case "CGO_ENABLED":
				cgo = s.Value
			case "-trimpath":
				trimpath = s.Value
			}
		}
	}
	return fmt.Sprintf("%s (%s, CGO_ENABLED=%s, trimpath=%s)", Version, runtime.Version(), cgo, trimpath)
}
