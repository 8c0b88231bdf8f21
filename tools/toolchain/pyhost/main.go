// Command pulumi-language-python is goship's own Python language host for the Pulumi CLI.
//
// Why it exists: the upstream host lives in its own untagged Go module that the Go module
// proxy reachable from our machines does not serve, so tools/toolchain.sh builds this small
// replacement instead. It implements the parts of the LanguageRuntime gRPC service that
// `pulumi preview/up/destroy/plugin/about` and Python policy packs use, and delegates the real
// work to the `pulumi-language-python-exec` script shipped in the sdk/v3 module (installed
// beside this binary) and to the sdk's own python toolchain package (virtualenv/pip handling).
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	pbempty "google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "0.0.0-dev"

// userActionableExit is the exit code the exec script uses after it already reported the
// error to the user; the engine should then bail without printing a second message.
const userActionableExit = 32

// healthInterval is how often we check that the engine that started us is still alive.
const healthInterval = 10 * time.Second

// pluginScript lists every installed distribution that ships a pulumi-plugin.json, which is
// how Pulumi's Python provider SDKs declare the plugin (name+version) they need.
const pluginScript = `
import importlib.metadata as md, json
out = []
for d in md.distributions():
    for f in d.files or []:
        if f.name != "pulumi-plugin.json":
            continue
        try:
            with open(d.locate_file(f)) as fh:
                out.append(json.load(fh))
        except Exception:
            pass
print(json.dumps(out))
`

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	mu         sync.Mutex
	engineAddr string
}

func main() {
	// The engine passes optional flags first and the engine address as the last positional
	// argument; we only need that address (the Handshake call repeats it anyway).
	h := &host{}
	for _, a := range os.Args[1:] {
		if !strings.HasPrefix(a, "-") {
			h.engineAddr = a
		}
	}
	// Stop serving once the engine is gone (e.g. the CLI was killed), so no host is orphaned.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := make(chan bool)
	go func() {
		<-ctx.Done()
		close(stop)
	}()
	if h.engineAddr != "" {
		if err := rpcutil.Healthcheck(ctx, h.engineAddr, healthInterval, cancel); err != nil {
			fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
			os.Exit(1)
		}
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(s *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(s, h)
			return nil
		},
		Cancel:  stop,
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
		os.Exit(1)
	}
}

func (h *host) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.engineAddr = req.GetEngineAddress()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *pbempty.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// resolve picks the python toolchain the project asks for (runtime options in Pulumi.yaml).
func resolve(info *pulumirpc.ProgramInfo) (toolchain.Toolchain, error) {
	opts := toolchain.PythonOptions{
		Root:       info.GetRootDirectory(),
		ProgramDir: info.GetProgramDirectory(),
		Toolchain:  toolchain.Pip,
	}
	o := info.GetOptions().AsMap()
	if v, ok := o["virtualenv"].(string); ok {
		opts.Virtualenv = v
	}
	switch o["toolchain"] {
	case "uv":
		opts.Toolchain = toolchain.Uv
	case "poetry":
		opts.Toolchain = toolchain.Poetry
	}
	switch o["typechecker"] {
	case "mypy":
		opts.Typechecker = toolchain.TypeCheckerMypy
	case "pyright":
		opts.Typechecker = toolchain.TypeCheckerPyright
	}
	return toolchain.ResolveToolchain(opts)
}

type pluginJSON struct {
	Resource         bool   `json:"resource"`
	Name             string `json:"name"`
	Version          string `json:"version"`
	Server           string `json:"server"`
	Parameterization *struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Value   string `json:"value"`
	} `json:"parameterization"`
}

// installedPlugins runs the interpreter of the project to read pulumi-plugin.json files.
func installedPlugins(ctx context.Context, info *pulumirpc.ProgramInfo) ([]pluginJSON, error) {
	tc, err := resolve(info)
	if err != nil {
		return nil, err
	}
	cmd, err := tc.Command(ctx, "-c", pluginScript)
	if err != nil {
		return nil, err
	}
	cmd.Dir = info.GetProgramDirectory()
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("listing Python packages with %s: %w", cmd.Path, err)
	}
	var all []pluginJSON
	if err := json.Unmarshal(out, &all); err != nil {
		return nil, fmt.Errorf("parsing plugin list: %w", err)
	}
	seen := map[string]bool{}
	var res []pluginJSON
	for _, p := range all {
		key := p.Name + "@" + p.Version
		if !p.Resource || p.Name == "" || seen[key] {
			continue
		}
		seen[key] = true
		res = append(res, p)
	}
	return res, nil
}

func (h *host) GetRequiredPackages(
	ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	plugins, err := installedPlugins(ctx, req.GetInfo())
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetRequiredPackagesResponse{}
	for _, p := range plugins {
		dep := &pulumirpc.PackageDependency{
			Kind: "resource", Name: p.Name, Version: p.Version, Server: p.Server,
		}
		if pp := p.Parameterization; pp != nil {
			value, err := base64.StdEncoding.DecodeString(pp.Value)
			if err != nil {
				return nil, fmt.Errorf("plugin %s: bad parameterization value: %w", p.Name, err)
			}
			dep.Parameterization = &pulumirpc.PackageParameterization{
				Name: pp.Name, Version: pp.Version, Value: value,
			}
		}
		resp.Packages = append(resp.Packages, dep)
	}
	return resp, nil
}

func (h *host) GetRequiredPlugins(
	ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	plugins, err := installedPlugins(ctx, req.GetInfo())
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetRequiredPluginsResponse{}
	for _, p := range plugins {
		if p.Parameterization != nil {
			continue // parameterized packages are only expressible via GetRequiredPackages
		}
		resp.Plugins = append(resp.Plugins, &pulumirpc.PluginDependency{
			Kind: "resource", Name: p.Name, Version: p.Version, Server: p.Server,
		})
	}
	return resp, nil
}

// execScript is the upstream launcher script, installed next to this binary.
func execScript() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(self); err == nil {
		self = real
	}
	p := filepath.Join(filepath.Dir(self), "pulumi-language-python-exec")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	if p, err := exec.LookPath("pulumi-language-python-exec"); err == nil {
		return p, nil
	}
	return "", errors.New("pulumi-language-python-exec not found beside the language host")
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	script, err := execScript()
	if err != nil {
		return nil, err
	}
	info := req.GetInfo()
	tc, err := resolve(info)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	engine := h.engineAddr
	h.mu.Unlock()

	program := req.GetProgram()
	if program == "" {
		program = filepath.Join(info.GetProgramDirectory(), info.GetEntryPoint())
	}
	args := []string{
		"-u", script,
		"--monitor", req.GetMonitorAddress(),
		"--engine", engine,
		"--project", req.GetProject(),
		"--stack", req.GetStack(),
		"--pwd", req.GetPwd(),
		"--dry_run", strconv.FormatBool(req.GetDryRun()),
		"--parallel", strconv.Itoa(int(req.GetParallel())),
		"--organization", req.GetOrganization(),
		"--root_directory", info.GetRootDirectory(),
		program,
	}
	args = append(args, req.GetArgs()...)

	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return nil, err
	}
	// Always send JSON objects/arrays: the SDK iterates over them, so "null" would crash it.
	configMap := req.GetConfig()
	if configMap == nil {
		configMap = map[string]string{}
	}
	secretKeyList := req.GetConfigSecretKeys()
	if secretKeyList == nil {
		secretKeyList = []string{}
	}
	config, err := json.Marshal(configMap)
	if err != nil {
		return nil, err
	}
	secretKeys, err := json.Marshal(secretKeyList)
	if err != nil {
		return nil, err
	}
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env,
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys),
		"PYTHONUNBUFFERED=1",
	)
	cmd.Dir = req.GetPwd()
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr

	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == userActionableExit {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Python program exited with code %d", exitErr.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// streamWriter forwards install output to the engine (stdout or stderr field).
type streamWriter struct {
	server pulumirpc.LanguageRuntime_InstallDependenciesServer
	stderr bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	b := append([]byte(nil), p...)
	resp := &pulumirpc.InstallDependenciesResponse{Stdout: b}
	if w.stderr {
		resp = &pulumirpc.InstallDependenciesResponse{Stderr: b}
	}
	if err := w.server.Send(resp); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest,
	server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	tc, err := resolve(req.GetInfo())
	if err != nil {
		return err
	}
	var out, errw io.Writer = streamWriter{server, false}, streamWriter{server, true}
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetDirectory()
	}
	return tc.InstallDependencies(server.Context(), dir, req.GetUseLanguageVersionTools(),
		true, out, errw)
}

func (h *host) About(
	ctx context.Context, req *pulumirpc.AboutRequest,
) (*pulumirpc.AboutResponse, error) {
	tc, err := resolve(req.GetInfo())
	if err != nil {
		return nil, err
	}
	info, err := tc.About(ctx)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{
		Executable: info.PythonExecutable,
		Version:    info.PythonVersion.String(),
		Metadata:   map[string]string{"toolchain-version": info.ToolchainVersion.String()},
	}, nil
}

func (h *host) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	tc, err := resolve(req.GetInfo())
	if err != nil {
		return nil, err
	}
	pkgs, err := tc.ListPackages(ctx, req.GetTransitiveDependencies())
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetProgramDependenciesResponse{}
	for _, p := range pkgs {
		resp.Dependencies = append(resp.Dependencies,
			&pulumirpc.DependencyInfo{Name: p.Name, Version: p.Version})
	}
	return resp, nil
}

func (h *host) RuntimeOptionsPrompts(
	context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

func (h *host) Cancel(context.Context, *pbempty.Empty) (*pbempty.Empty, error) {
	return &pbempty.Empty{}, nil
}

// RunPlugin runs a plugin written in Python: the engine starts Python policy packs this way.
// The pack's folder is run as a program (`python <folder> <args>`, i.e. its __main__.py) with
// the interpreter its PulumiPolicy.yaml asks for, and its output is streamed back; the first line
// of stdout is the port the engine dials.
func (h *host) RunPlugin(
	req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer,
) error {
	info := req.GetInfo()
	tc, err := resolve(info)
	if err != nil {
		return err
	}
	// The engine ends the plugin by cancelling this call, which kills the process.
	ctx := server.Context()
	// Says how to create a missing virtualenv, where running its python would only say ENOENT.
	if err := tc.ValidateVenv(ctx); err != nil {
		return err
	}
	cmd, err := tc.Command(ctx, append([]string{info.GetProgramDirectory()}, req.GetArgs()...)...)
	if err != nil {
		return err
	}
	cmd.Dir = req.GetPwd()
	cmd.Env = pluginEnv(cmd.Env, req.GetEnv())

	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	// exec copies stdout and stderr in two goroutines, and a gRPC stream must not be sent on
	// from two goroutines at once.
	var sending sync.Mutex
	cmd.Stdout = lockedWriter{&sending, stdout}
	cmd.Stderr = lockedWriter{&sending, stderr}
	runErr := cmd.Run()
	if err := closer.Close(); err != nil && runErr == nil {
		runErr = err
	}
	if runErr == nil || ctx.Err() != nil {
		return nil
	}
	var exitErr *exec.ExitError
	if errors.As(runErr, &exitErr) {
		return fmt.Errorf("python plugin %s exited with code %d",
			info.GetProgramDirectory(), exitErr.ExitCode())
	}
	return fmt.Errorf("running python plugin %s: %w", info.GetProgramDirectory(), runErr)
}

// pluginEnv is the environment the engine asks for with the toolchain's virtualenv activation
// on top: the engine passes its whole environment, whose PATH and VIRTUAL_ENV would otherwise
// undo the activation.
func pluginEnv(toolchainEnv, engineEnv []string) []string {
	env := append(os.Environ(), engineEnv...)
	if toolchainEnv == nil {
		return env
	}
	ambient := map[string]bool{}
	for _, kv := range os.Environ() {
		ambient[kv] = true
	}
	for _, kv := range toolchainEnv {
		if !ambient[kv] {
			env = append(env, kv)
		}
	}
	return env
}

// lockedWriter serializes writes that share one gRPC stream.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
