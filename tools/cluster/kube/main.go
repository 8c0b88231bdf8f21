// Command kube is kube-apiserver, kube-controller-manager and kube-scheduler in one binary.
//
// The three share most of their code, so one link is about a third of the build time and
// disk of three. The component is chosen by the name the binary is run as (up.sh makes
// symlinks) or, failing that, by the first argument:
//
//	kube-apiserver --etcd-servers=...
//	kube kube-scheduler --kubeconfig=...
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	_ "time/tzdata" // CronJob time zones, as in the upstream commands

	"github.com/spf13/cobra"
	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // --logging-format=json
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics
	_ "k8s.io/component-base/metrics/prometheus/version"  // the version metric

	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
)

// Constructors, not commands: each builds its flag set and registers its feature gates
// when called, and only the chosen one may do that in a process.
var components = map[string]func() *cobra.Command{
	"kube-apiserver":          apiserver.NewAPIServerCommand,
	"kube-controller-manager": controllermanager.NewControllerManagerCommand,
	"kube-scheduler": func() *cobra.Command {
		return scheduler.NewSchedulerCommand()
	},
}

func main() {
	name := filepath.Base(os.Args[0])
	if _, ok := components[name]; !ok && len(os.Args) > 1 {
		// Called by another name: take the component from the first argument and hide it
		// from the component's own flag parsing.
		name = os.Args[1]
		os.Args = append([]string{name}, os.Args[2:]...)
	}
	newCommand, ok := components[name]
	if !ok {
		names := make([]string, 0, len(components))
		for n := range components {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintf(os.Stderr, "usage: %s COMPONENT [FLAGS]\ncomponents: %v\n",
			filepath.Base(os.Args[0]), names)
		os.Exit(2)
	}
	os.Exit(cli.Run(newCommand()))
}
