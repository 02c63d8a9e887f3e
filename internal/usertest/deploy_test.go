package usertest

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/internal/loopback"
	"github.com/orca-scxml/orca/internal/pgtest"
	"github.com/orca-scxml/orca/internal/testenv"
)

// composeFile is what the test reads of compose.yaml.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	Ports       []string          `yaml:"ports"`
}

// TestComposeTopology runs the topology of compose.yaml with processes
// instead of containers: three nats-server nodes in this process on
// deploy/nats.conf (addresses and stores moved to loopback and temporary
// directories), PostgreSQL from a throw-away cluster, and every orca
// service of the file — three orca serve replicas, orca tsim, orca infomart
// run — as a process of the binary the Dockerfile's build line makes, with
// the service's command, environment and mounted files, host names and
// container paths translated to the test's. A callback requested at each
// replica must complete, and reach CALLBACK_FACT in PostgreSQL.
func TestComposeTopology(t *testing.T) {
	root := testenv.Root(t)
	data, err := os.ReadFile(filepath.Join(root, "compose.yaml"))
	require.NoError(t, err)
	var compose composeFile
	require.NoError(t, yaml.Unmarshal(data, &compose))
	for _, name := range []string{"nats-1", "nats-2", "nats-3", "orca-1", "orca-2", "orca-3", "tsim", "infomart", "postgres"} {
		require.Contains(t, compose.Services, name)
	}
	bin := dockerBuild(t, root)
	secrets := map[string]string{
		"ORCA_API_TOKEN": "api-token-1", "ORCA_NATS_PASSWORD": "orca-pw-1", "SWITCH_NATS_PASSWORD": "switch-pw-1",
		"READER_NATS_PASSWORD": "reader-pw-1", "ORCA_PG_PASSWORD": "pg-pw-1",
	}
	hosts := startNATSCluster(t, root, compose, secrets)
	pg := postgresURL(t)

	tr := &translator{t: t, root: root, secrets: secrets, hosts: hosts, pg: pg}
	procs := map[string]*process{}
	// The switch first: it makes the reporting stream, which the Info
	// Mart side may only read.
	for _, name := range []string{"tsim", "infomart", "orca-1", "orca-2", "orca-3"} {
		svc := compose.Services[name]
		require.Equal(t, "orca", svc.Image, "%s runs the orca image", name)
		args, env := tr.service(name, svc)
		procs[name] = start(t, name, bin, args, env)
		switch name {
		case "tsim":
			procs[name].wait(t, "orca tsim: switch SIP_Switch, reporting DN REPORTING, 4 agents")
		case "infomart":
			procs[name].wait(t, "reports: http://")
		default:
			procs[name].wait(t, "orca serve: listening on ")
			assert.Contains(t, procs[name].output(), "HTTP authentication: bearer token")
		}
	}
	base := func(name string) string {
		m := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`).FindStringSubmatch(procs[name].output())
		require.Len(t, m, 2, procs[name].output())
		return m[1]
	}
	token := http.Header{"Authorization": {"Bearer " + secrets["ORCA_API_TOKEN"]}}

	// A callback requested at each replica completes.
	ids := map[string]string{}
	for i, name := range []string{"orca-1", "orca-2", "orca-3"} {
		var res struct {
			ID string `json:"_id"`
		}
		code := call(t, http.MethodPost, base(name)+"/genesys/1/service/callback/callback-now",
			url.Values{"_customer_number": {fmt.Sprintf("555010%d", i)}}, token, &res)
		require.Equal(t, http.StatusOK, code)
		ids[name] = res.ID
	}
	assert.Equal(t, http.StatusUnauthorized, call(t, http.MethodGet, base("orca-1")+"/genesys/1/service/callback?_id="+ids["orca-1"], nil, nil, nil))
	for name, id := range ids {
		require.Eventually(t, func() bool {
			var list []map[string]string
			code := call(t, http.MethodGet, base(name)+"/genesys/1/service/callback?_id="+id, nil, token, &list)
			return code == http.StatusOK && len(list) == 1 && list[0]["_callback_state"] == "COMPLETED"
		}, 2*time.Minute, 100*time.Millisecond, "callback %s at %s did not complete:\n%s", id, name, procs[name].output())
	}

	// The Info Mart side has stored every callback's final record.
	for name, id := range ids {
		require.Eventually(t, func() bool {
			cmd := exec.Command(bin, "infomart", "report", "details", "--db", pg, "--service", id, "--csv")
			out, err := cmd.Output()
			return err == nil && strings.Contains(string(out), id)
		}, time.Minute, 200*time.Millisecond, "no CALLBACK_FACT row for %s (%s):\n%s", id, name, procs["infomart"].output())
	}

	// Every process stops cleanly on SIGTERM, the replicas first.
	for _, name := range []string{"orca-1", "orca-2", "orca-3", "infomart", "tsim"} {
		assert.Equal(t, 0, procs[name].stop(t), "%s:\n%s", name, procs[name].output())
	}
	for name, p := range procs {
		assert.NotContains(t, p.output(), "level=ERROR", name)
	}
}

// dockerBuild builds orca with the Dockerfile's build line (a static
// binary) and checks that it is static.
func dockerBuild(t *testing.T, root string) string {
	t.Helper()
	df, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	require.NoError(t, err)
	m := regexp.MustCompile(`(CGO_ENABLED=0) go build (.*?) -o /out/orca (\./cmd/orca)`).FindSubmatch(df)
	require.NotNil(t, m, "the Dockerfile has no go build line")
	bin := filepath.Join(t.TempDir(), "orca")
	flags := strings.Fields(strings.ReplaceAll(string(m[2]), "$vcs", "false"))
	cmd := exec.Command("go", append(append([]string{"build"}, flags...), "-o", bin, string(m[3]))...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), string(m[1]))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build %s: %s", flags, out)
	f, err := elf.Open(bin)
	require.NoError(t, err)
	defer f.Close()
	for _, p := range f.Progs {
		assert.NotEqual(t, elf.PT_INTERP, p.Type, "the binary is static: no dynamic loader")
	}
	return bin
}

// startNATSCluster starts the three nats-server nodes of compose.yaml in
// this process, each on deploy/nats.conf as its service sets it up, with
// its listeners moved to free loopback ports and its store to a temporary
// directory. It returns the map from the file's host:port names to the
// test's.
func startNATSCluster(t *testing.T, root string, compose composeFile, secrets map[string]string) map[string]string {
	t.Helper()
	names := []string{"nats-1", "nats-2", "nats-3"}
	client, cluster := map[string]int{}, map[string]int{}
	ports, err := loopback.Ports(2 * len(names))
	require.NoError(t, err)
	for i, n := range names {
		client[n], cluster[n] = ports[2*i], ports[2*i+1]
	}
	var servers []*natsserver.Server
	for _, n := range names {
		svc := compose.Services[n]
		conf := ""
		for _, v := range svc.Volumes {
			if host, ctr, ok := strings.Cut(strings.TrimSuffix(v, ":ro"), ":"); ok && ctr == "/etc/nats/nats.conf" {
				conf = filepath.Join(root, host)
			}
		}
		require.NotEmpty(t, conf, "%s mounts no nats.conf", n)
		require.Equal(t, []string{"--config", "/etc/nats/nats.conf"}, svc.Command)
		for k, v := range svc.Environment {
			t.Setenv(k, interpolate(t, v, secrets))
		}
		opts, err := natsserver.ProcessConfigFile(conf)
		require.NoError(t, err)
		require.Equal(t, n, opts.ServerName)
		require.True(t, opts.JetStream)
		require.Len(t, opts.Users, len(bridge.Roles()))
		for _, u := range opts.Users {
			pub, sub := bridge.Permissions(bridge.Role(u.Username), "")
			assert.ElementsMatch(t, pub.Allow, u.Permissions.Publish.Allow, "%s publish allow", u.Username)
			assert.ElementsMatch(t, sub.Allow, u.Permissions.Subscribe.Allow, "%s subscribe allow", u.Username)
			assert.Equal(t, secrets[strings.ToUpper(u.Username)+"_NATS_PASSWORD"], u.Password)
		}
		require.Len(t, opts.Routes, 3)
		opts.Host, opts.Port = "127.0.0.1", client[n]
		opts.HTTPPort = 0
		opts.Cluster.Host, opts.Cluster.Port = "127.0.0.1", cluster[n]
		opts.Routes = nil
		for _, r := range names {
			opts.Routes = append(opts.Routes, &url.URL{Scheme: "nats-route", Host: fmt.Sprintf("127.0.0.1:%d", cluster[r])})
		}
		opts.StoreDir = filepath.Join(t.TempDir(), "jetstream")
		opts.NoLog, opts.NoSigs = true, true
		s, err := natsserver.NewServer(opts)
		require.NoError(t, err)
		go s.Start()
		servers = append(servers, s)
		t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	}
	for _, s := range servers {
		require.True(t, s.ReadyForConnections(10*time.Second))
	}
	require.Eventually(t, func() bool {
		for _, s := range servers {
			if !s.JetStreamIsClustered() || s.NumRoutes() < 2 {
				return false
			}
		}
		return slices.ContainsFunc(servers, (*natsserver.Server).JetStreamIsLeader)
	}, 30*time.Second, 50*time.Millisecond, "the JetStream cluster has no leader")
	hosts := map[string]string{}
	for _, n := range names {
		hosts[n+":4222"] = fmt.Sprintf("127.0.0.1:%d", client[n])
	}
	return hosts
}

// postgresURL returns a database for the Info Mart side: a fresh schema on
// ORCA_PG_URL's server, or a throw-away cluster.
func postgresURL(t *testing.T) string {
	t.Helper()
	if base := os.Getenv(pgtest.URLVar); base != "" {
		return pgtest.Schema(t, base)
	}
	c, err := pgtest.Start()
	if err != nil {
		testenv.Missing(t, "PostgreSQL: "+err.Error(), "apt-get install postgresql, or set "+pgtest.URLVar+" to a server's URL")
	}
	t.Cleanup(c.Stop)
	return c.URL()
}

// translator turns a service of compose.yaml into a process's arguments
// and environment.
type translator struct {
	t       *testing.T
	root    string
	secrets map[string]string
	// hosts maps the compose network's host:port to the test's.
	hosts map[string]string
	pg    string
}

// service returns the arguments and environment of a process standing for
// the service: mounted files are copied with their container paths and
// host names translated, a named volume is a temporary directory, a
// listener on every interface takes a free port, secrets are the test's.
func (tr *translator) service(name string, svc composeService) ([]string, []string) {
	t := tr.t
	paths := map[string]string{} // container path → host path
	var files [][2]string
	for _, v := range svc.Volumes {
		src, dst, _ := strings.Cut(strings.TrimSuffix(v, ":ro"), ":")
		if strings.HasPrefix(src, "./") {
			files = append(files, [2]string{src, dst})
		} else {
			paths[dst] = t.TempDir()
		}
	}
	for _, f := range files {
		text, err := os.ReadFile(filepath.Join(tr.root, f[0]))
		require.NoError(t, err)
		host := filepath.Join(t.TempDir(), filepath.Base(f[1]))
		require.NoError(t, os.WriteFile(host, []byte(tr.text(string(text), paths)), 0o600))
		paths[f[1]] = host
	}
	var args []string
	for _, a := range svc.Command {
		if p, ok := paths[a]; ok {
			a = p
		}
		if host, _, ok := strings.Cut(a, ":"); ok && host == "0.0.0.0" {
			a = "0.0.0.0:0"
		}
		args = append(args, a)
	}
	env := userEnv()
	for k, v := range svc.Environment {
		v = tr.text(interpolate(t, v, tr.secrets), paths)
		if strings.Contains(v, "@postgres:5432/") {
			v = tr.pg
		}
		env = append(env, k+"="+v)
	}
	return args, env
}

// text translates the compose network's host names and the container
// paths of mounted volumes in s.
func (tr *translator) text(s string, paths map[string]string) string {
	for from, to := range tr.hosts {
		s = strings.ReplaceAll(s, from, to)
	}
	for ctr, host := range paths {
		s = strings.ReplaceAll(s, ctr+"/", host+"/")
	}
	return s
}

var interpolation = regexp.MustCompile(`\$\{([A-Z_]+)(:\?[^}]*)?\}`)

// interpolate replaces compose's ${NAME} and ${NAME:?message} with the
// test's secrets.
func interpolate(t *testing.T, s string, secrets map[string]string) string {
	return interpolation.ReplaceAllStringFunc(s, func(m string) string {
		name := interpolation.FindStringSubmatch(m)[1]
		v, ok := secrets[name]
		require.True(t, ok, "compose.yaml uses ${%s}: the test has no value for it", name)
		return v
	})
}

// process is one orca service, run as a process.
type process struct {
	name string
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

func (p *process) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// start runs bin with args and env; the process is stopped when the test
// ends, if it still runs.
func start(t *testing.T, name, bin string, args, env []string) *process {
	t.Helper()
	p := &process{name: name, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = env
	p.cmd.Dir = t.TempDir()
	p.cmd.Stdout, p.cmd.Stderr = p, p
	require.NoError(t, p.cmd.Start(), name)
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// wait waits until the process has printed text.
func (p *process) wait(t *testing.T, text string) {
	t.Helper()
	require.Eventually(t, func() bool {
		select {
		case <-p.done:
			return true
		default:
		}
		return strings.Contains(p.output(), text)
	}, 30*time.Second, 20*time.Millisecond, "%s: waiting for %q", p.name, text)
	require.Contains(t, p.output(), text, "%s ended:\n%s", p.name, p.output())
}

// stop sends SIGTERM and returns the exit status.
func (p *process) stop(t *testing.T) int {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(40 * time.Second):
		t.Errorf("%s did not stop within 40s", p.name)
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	return p.cmd.ProcessState.ExitCode()
}

// call makes an HTTP request with an optional form and header, decodes a
// JSON answer into v, and returns the status.
func call(t *testing.T, method, u string, form url.Values, h http.Header, v any) int {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	require.NoError(t, err)
	for k, vs := range h {
		req.Header[k] = vs
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if v != nil && resp.StatusCode == http.StatusOK {
		require.NoError(t, json.Unmarshal(data, v), "%s", data)
	}
	return resp.StatusCode
}
