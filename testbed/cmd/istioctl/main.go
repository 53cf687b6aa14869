// Command istioctl is Istio's CLI, built from istio.io/istio at the version pinned in
// go.mod, for the conformance tier's `istioctl analyze` comparison with `switchyard doctor`.
package main

import (
	"fmt"
	"os"

	"istio.io/istio/istioctl/cmd"
	"istio.io/istio/pkg/log"
)

func main() {
	if err := cmd.ConfigAndEnvProcessing(); err != nil {
		fmt.Fprintf(os.Stderr, "Could not initialize: %v\n", err)
		os.Exit(cmd.GetExitCode(err))
	}
	rootCmd := cmd.GetRootCmd(os.Args[1:])
	log.EnableKlogWithCobra()
	if err := rootCmd.Execute(); err != nil {
		os.Exit(cmd.GetExitCode(err))
	}
}
