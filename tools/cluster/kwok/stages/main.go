// Command stages prints the Stage objects that kwokctl gives a KWOK controller by default
// (node init + heartbeat with lease, pod ready/complete/delete) as one YAML stream.
//
// The kwok controller run on its own starts with no stages at all; up.sh writes this
// output into kwok's --config at build time, so the stages always match the kwok version
// in go.mod instead of being copied by hand.
package main

import (
	"fmt"
	"strings"

	nodefast "sigs.k8s.io/kwok/kustomize/stage/node/fast"
	nodelease "sigs.k8s.io/kwok/kustomize/stage/node/heartbeat-with-lease"
	podfast "sigs.k8s.io/kwok/kustomize/stage/pod/fast"
)

func main() {
	docs := []string{
		nodefast.DefaultNodeInit,
		nodelease.DefaultNodeHeartbeatWithLease,
		podfast.DefaultPodReady,
		podfast.DefaultPodComplete,
		podfast.DefaultPodDelete,
	}
	for i, doc := range docs {
		if i > 0 {
			fmt.Println("---")
		}
		fmt.Println(strings.TrimSpace(doc))
	}
}
