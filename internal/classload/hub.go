package classload

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/golocks/golocks/internal/procfs"
)

// Options say what class Start serves.
type Options struct {
	Root     string // the repository (scripts/class.sh is run from it)
	Students int    // students to make, in the class's group
	// Outsiders are local users made outside the class's group: the hub
	// must refuse them.
	Outsiders int
	// Auth is class.sh's --auth: "pam" (the default: each student's own
	// password) or "shared-password" (one password for the class).
	Auth string
	// TLS serves HTTPS on 127.0.0.1 with a self-signed certificate, which
	// the students' browsers are given.
	TLS bool
	// KernelBuild is the kernel's build folder for class.sh's install
	// (KERNEL_BUILD); "" is the repository's build/kernel.
	KernelBuild string
	// StartTimeout bounds the install and the hub's start (a cold kernel
	// build takes minutes); 0 means 20 minutes.
	StartTimeout time.Duration
	// Log receives the hub's log and the students' progress; nil drops
	// them (the hub's log is also in the class's folder until Close).
	Log io.Writer
}

// A Class is a hub serving local users, started by Start.
type Class struct {
	opts      Options
	dir       string // the private folder: homes, prefix, state, certificate
	group     string
	students  []Student
	outsiders []Student
	password  string // the shared password, in shared-password mode
	url       string
	cafile    string
	hub       *exec.Cmd
	hubDone   chan struct{}
	hubErr    error
	logFile   *os.File
	// sharedDirs are the folders every user may write to, where no
	// student may leave a file.
	sharedDirs []string
	log        io.Writer
	closeOnce  sync.Once
	closeErr   error
	// kept are the logs as Close found them, before it removed the
	// class's folder: they are what explains a failure seen after it.
	keptMu sync.Mutex
	kept   map[string][]byte
}

// Start makes the class's group and users, then installs and starts the
// hub with scripts/class.sh, and waits until it answers. On an error,
// everything made so far is undone. It needs root.
func Start(o Options) (c *Class, err error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("serving a class needs root: the hub checks passwords and starts each student's server as that student")
	}
	if o.Students < 1 {
		return nil, fmt.Errorf("a class needs at least one student, not %d", o.Students)
	}
	if o.Auth == "" {
		o.Auth = "pam"
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = 20 * time.Minute
	}
	c = &Class{opts: o, log: o.Log, hubDone: make(chan struct{}), sharedDirs: []string{"/tmp", "/var/tmp", "/dev/shm"}}
	if c.log == nil {
		c.log = io.Discard
	}
	defer func() {
		if err != nil {
			if cerr := c.Close(); cerr != nil {
				err = fmt.Errorf("%w; and cleaning up: %v", err, cerr)
			}
			c = nil
		}
	}()

	// The folder holds the students' homes and the installed kernel: they
	// must be able to reach them, so it is 0755 (MkdirTemp makes 0700).
	if err := removeStale(); err != nil {
		fmt.Fprintf(c.log, "classload: %v\n", err)
	}
	if c.dir, err = os.MkdirTemp("", "golocks-class-"); err != nil {
		return c, err
	}
	if err = os.Chmod(c.dir, 0o755); err != nil {
		return c, err
	}
	homes := filepath.Join(c.dir, "homes")
	if err = os.Mkdir(homes, 0o755); err != nil {
		return c, err
	}
	tag, err := randomHex(3)
	if err != nil {
		return c, err
	}
	c.group = "glk" + tag
	if err = addGroup(c.group); err != nil {
		return c, err
	}
	for i := 1; i <= o.Students+o.Outsiders; i++ {
		name := fmt.Sprintf("glk%ss%02d", tag, i)
		group := c.group
		if i > o.Students {
			name, group = fmt.Sprintf("glk%so%02d", tag, i-o.Students), ""
		}
		s, err := addUser(name, group, homes)
		if s.Name != "" {
			if group == "" {
				c.outsiders = append(c.outsiders, s)
			} else {
				c.students = append(c.students, s)
			}
		}
		if err != nil {
			return c, err
		}
	}
	return c, c.startHub()
}

// startHub runs scripts/class.sh on free ports and waits for the hub.
func (c *Class) startHub() error {
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	args := []string{
		"--port", strconv.Itoa(ports[0]), "--hub-port", strconv.Itoa(ports[1]), "--proxy-api-port", strconv.Itoa(ports[2]),
		"--group", c.group, "--prefix", filepath.Join(c.dir, "prefix"), "--state", filepath.Join(c.dir, "state"),
		"--auth", c.opts.Auth,
	}
	if c.opts.Auth == "shared-password" {
		pw, err := randomHex(12)
		if err != nil {
			return err
		}
		c.password = pw
		file := filepath.Join(c.dir, "shared-password")
		if err := os.WriteFile(file, []byte(pw+"\n"), 0o600); err != nil {
			return err
		}
		args = append(args, "--password-file", file)
	}
	scheme := "http"
	if c.opts.TLS {
		cert, key, err := selfSigned(c.dir)
		if err != nil {
			return err
		}
		c.cafile, scheme = cert, "https"
		args = append(args, "--ssl-cert", cert, "--ssl-key", key)
	}
	c.url = fmt.Sprintf("%s://127.0.0.1:%d", scheme, ports[0])

	if c.logFile, err = os.Create(filepath.Join(c.dir, "hub.log")); err != nil {
		return err
	}
	c.hub = exec.Command(filepath.Join(c.opts.Root, "scripts", "class.sh"), args...)
	c.hub.Env = os.Environ()
	if c.opts.KernelBuild != "" {
		c.hub.Env = append(c.hub.Env, "KERNEL_BUILD="+c.opts.KernelBuild)
	}
	out := io.MultiWriter(c.logFile, c.log)
	c.hub.Stdout, c.hub.Stderr = out, out
	// Its own process group, so that a hub that will not stop can be
	// killed with everything it runs in that group.
	// If this process dies without Close (a test's timeout panic), the hub
	// is told to stop, and stops the students' servers and the proxy.
	c.hub.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	fmt.Fprintf(c.log, "classload: scripts/class.sh %s\n", strings.Join(args, " "))
	if err := c.hub.Start(); err != nil {
		close(c.hubDone)
		return err
	}
	go func() {
		c.hubErr = c.hub.Wait()
		close(c.hubDone)
	}()
	return c.waitHub()
}

// waitHub waits until the hub's API answers, the hub exits, or the start
// timeout passes.
func (c *Class) waitHub() error {
	client := c.httpClient(5 * time.Second)
	deadline := time.Now().Add(c.opts.StartTimeout)
	for time.Now().Before(deadline) {
		resp, err := client.Get(c.url + "/hub/api/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-c.hubDone:
			return fmt.Errorf("scripts/class.sh exited before the hub answered (%v):\n%s", c.hubErr, c.HubLog(3000))
		case <-time.After(250 * time.Millisecond):
		}
	}
	return fmt.Errorf("the hub did not answer on %s within %v:\n%s", c.url, c.opts.StartTimeout, c.HubLog(3000))
}

// URL is the hub's public address (the proxy's), http or https.
func (c *Class) URL() string { return c.url }

// CAFile is the certificate the hub serves with TLS, "" without.
func (c *Class) CAFile() string { return c.cafile }

// Students are the class's members, in order.
func (c *Class) Students() []Student { return c.students }

// Outsiders are the local users outside the class's group.
func (c *Class) Outsiders() []Student { return c.outsiders }

// SharedPassword is the class's password in shared-password mode.
func (c *Class) SharedPassword() string { return c.password }

// Dir is the class's private folder (removed by Close).
func (c *Class) Dir() string { return c.dir }

// HubLog is the end of the hub's log, at most max bytes: what the hub
// and the proxy said (each student's server has a log of its own:
// ServerLog). It is kept after Close.
func (c *Class) HubLog(max int) string {
	if c.logFile == nil {
		return ""
	}
	return c.readLog(c.logFile.Name(), max)
}

// ServerLog is the end of a student's server's log, at most max bytes:
// what their single-user server said and their kernels wrote on stderr
// (the hub's class_config.py gives each server a file of its own,
// logs/NAME.log in the hub's state folder). It is kept after Close; ""
// if the student never started a server.
func (c *Class) ServerLog(name string, max int) string {
	if c.dir == "" {
		return ""
	}
	return c.readLog(c.serverLogPath(name), max)
}

func (c *Class) serverLogPath(name string) string {
	return filepath.Join(c.dir, "state", "logs", name+".log")
}

// readLog reads the end of a log, from the file or, after Close, from
// what Close kept of it.
func (c *Class) readLog(path string, max int) string {
	c.keptMu.Lock()
	b, ok := c.kept[path]
	c.keptMu.Unlock()
	if !ok {
		b, _ = os.ReadFile(path)
	}
	if len(b) > max {
		b = append([]byte("[...]\n"), b[len(b)-max:]...)
	}
	return string(b)
}

// keepLogs reads the hub's and every server's log into memory, for
// HubLog and ServerLog after the class's folder is gone.
func (c *Class) keepLogs() {
	const most = 1 << 20 // the end of each, at most
	paths := []string{}
	if c.logFile != nil {
		paths = append(paths, c.logFile.Name())
	}
	for _, s := range append(append([]Student{}, c.students...), c.outsiders...) {
		paths = append(paths, c.serverLogPath(s.Name))
	}
	kept := map[string][]byte{}
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			if len(b) > most {
				b = b[len(b)-most:]
			}
			kept[p] = b
		}
	}
	c.keptMu.Lock()
	c.kept = kept
	c.keptMu.Unlock()
}

// httpClient talks to the hub, trusting its certificate if it has one, and
// follows no redirect (a redirect is an answer to check).
func (c *Class) httpClient(timeout time.Duration) *http.Client {
	tr := &http.Transport{Proxy: nil}
	if c.cafile != "" {
		pool := x509.NewCertPool()
		if pem, err := os.ReadFile(c.cafile); err == nil {
			pool.AppendCertsFromPEM(pem)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// HTTPClient is a client for the hub: bounded by timeout, trusting its
// certificate, following no redirect.
func (c *Class) HTTPClient(timeout time.Duration) *http.Client { return c.httpClient(timeout) }

// Close stops the hub (which stops the students' servers), the proxy and
// every process left of the students; checks that none is left; removes
// the users, the group and the class's folder. It is safe to call twice
// and after a failed Start.
func (c *Class) Close() error {
	c.closeOnce.Do(func() { c.closeErr = c.close() })
	return c.closeErr
}

func (c *Class) close() error {
	var errs []error
	if c.hub != nil && c.hub.Process != nil {
		errs = append(errs, c.stopHub())
	}
	if c.dir != "" {
		errs = append(errs, stopProxy(filepath.Join(c.dir, "state", "jupyterhub-proxy.pid")))
	}
	var uids []int
	for _, s := range append(append([]Student{}, c.students...), c.outsiders...) {
		uids = append(uids, s.UID)
	}
	errs = append(errs, sweep(uids))
	for _, s := range append(append([]Student{}, c.students...), c.outsiders...) {
		errs = append(errs, removeUser(s.Name))
	}
	if c.group != "" {
		errs = append(errs, removeGroup(c.group))
	}
	if c.logFile != nil {
		c.logFile.Close()
	}
	if c.dir != "" {
		c.keepLogs() // the hub and the servers are stopped: the logs are whole
		errs = append(errs, os.RemoveAll(c.dir))
	}
	return errors.Join(errs...)
}

// stopHub asks the hub to stop (SIGTERM: it stops the students' servers and
// the proxy first), and kills its process group if it has not within a
// minute and a half.
func (c *Class) stopHub() error {
	select {
	case <-c.hubDone:
		return nil
	default:
	}
	pid := c.hub.Process.Pid
	syscall.Kill(pid, syscall.SIGTERM)
	select {
	case <-c.hubDone:
		return nil
	case <-time.After(90 * time.Second):
	}
	syscall.Kill(-pid, syscall.SIGKILL)
	select {
	case <-c.hubDone:
		return fmt.Errorf("the hub did not stop within 90s of SIGTERM: killed")
	case <-time.After(10 * time.Second):
		return fmt.Errorf("the hub (pid %d) survives SIGKILL", pid)
	}
}

// sweepGrace bounds how long the students' processes may take to end once
// the hub has stopped.
const sweepGrace = 5 * time.Second

// stopProxy stops the proxy named by the hub's pid file, if it still runs
// (the hub stops it when it stops cleanly).
func stopProxy(pidFile string) error {
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return nil // the hub removed it, or never started a proxy
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		return nil
	}
	cmdline, _ := procfs.Cmdline(pid)
	if !strings.Contains(strings.Join(cmdline, " "), "configurable-http-proxy") {
		return nil // gone (the pid may be another process's by now)
	}
	syscall.Kill(pid, syscall.SIGTERM)
	for i := 0; i < 50; i++ {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	return fmt.Errorf("the proxy (pid %d) outlived the hub: killed", pid)
}

// sweep kills, by pid, every process left of the given users (servers,
// kernels, workers the hub did not stop), and says which there were. It
// first gives them sweepGrace to end on their own: a kernel's children
// (its workers, its private redis-server) are killed when the kernel dies,
// and on a loaded machine that takes a moment after the hub is gone.
func sweep(uids []int) error {
	for deadline := time.Now().Add(sweepGrace); time.Now().Before(deadline) && len(processesOf(uids)) > 0; {
		time.Sleep(100 * time.Millisecond)
	}
	var left []string
	for round := 0; round < 20; round++ {
		procs := processesOf(uids)
		if len(procs) == 0 {
			break
		}
		for _, p := range procs {
			if round == 0 {
				left = append(left, fmt.Sprintf("pid %d (%s, uid %d)", p.pid, p.comm, p.uid))
			}
			syscall.Kill(p.pid, syscall.SIGKILL)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if procs := processesOf(uids); len(procs) > 0 {
		return fmt.Errorf("%d processes of the students survive SIGKILL", len(procs))
	}
	if len(left) > 0 {
		return fmt.Errorf("processes of the students left behind after the hub stopped (killed): %s", strings.Join(left, ", "))
	}
	return nil
}

// freePorts asks the system for n free ports on 127.0.0.1.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// selfSigned writes a certificate for 127.0.0.1 and its key into dir.
func selfSigned(dir string) (certFile, keyFile string, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	tmpl := x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "golocks class test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, &tmpl, &key.PublicKey, key)
	if err != nil {
		return "", "", err
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", "", err
	}
	certFile, keyFile = filepath.Join(dir, "hub.pem"), filepath.Join(dir, "hub.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return "", "", err
	}
	return certFile, keyFile, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
}
