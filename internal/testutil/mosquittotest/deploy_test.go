package mosquittotest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The deployed files, relative to this package (go test runs in it).
const deployDir = "../../../deploy/mosquitto"

// rules are the lines of an ACL that are not comments or blank.
func rules(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// Tests must run against the production ACL.
func TestACLMatchesDeploy(t *testing.T) {
	deployed, err := os.ReadFile(filepath.Join(deployDir, "acl"))
	require.NoError(t, err)
	require.Equal(t, rules(string(deployed)), rules(aclText(nil)))
}

// The production mosquitto.conf loads and serves, with its paths moved to a
// temporary directory and its port to a free one.
func TestDeployConfigStarts(t *testing.T) {
	bin, passwdBin := findBinaries(t)
	conf, err := os.ReadFile(filepath.Join(deployDir, "mosquitto.conf"))
	require.NoError(t, err)
	acl, err := os.ReadFile(filepath.Join(deployDir, "acl"))
	require.NoError(t, err)

	dir := t.TempDir()
	port := freePort(t)
	text := strings.NewReplacer(
		"/mosquitto/config/", dir+"/",
		"/mosquitto/data/", dir+"/",
		"\nlistener 1883\n", "\nlistener "+strconv.Itoa(port)+" 127.0.0.1\n",
	).Replace(string(conf))
	require.Contains(t, text, "listener "+strconv.Itoa(port), "the config's listener line moved")
	if os.Geteuid() == 0 {
		text += "user root\n"
	}
	writeFile(t, filepath.Join(dir, "mosquitto.conf"), text)
	writeFile(t, filepath.Join(dir, "acl"), string(acl))
	out, err := exec.Command(passwdBin, "-c", "-b", filepath.Join(dir, "passwd"), HubUser, "pw").CombinedOutput()
	require.NoError(t, err, "%s", out)

	logPath := filepath.Join(dir, "log")
	logf, err := os.Create(logPath)
	require.NoError(t, err)
	defer logf.Close()
	cmd := exec.Command(bin, "-c", filepath.Join(dir, "mosquitto.conf"))
	cmd.Stdout, cmd.Stderr = logf, logf
	dieWithParent(cmd)
	require.NoError(t, cmd.Start())
	var waitErr error
	waitDone := make(chan struct{})
	go func() { waitErr = cmd.Wait(); close(waitDone) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-waitDone
		if t.Failed() {
			log, _ := os.ReadFile(logPath)
			t.Logf("mosquitto log:\n%s", log)
		}
	})

	url := "tcp://127.0.0.1:" + strconv.Itoa(port)
	require.Eventually(t, func() bool {
		select {
		case <-waitDone:
			return true // reported below
		default:
		}
		return tryConnect(url, HubUser, "pw") == nil
	}, startTimeout, 20*time.Millisecond)
	select {
	case <-waitDone:
		t.Fatalf("mosquitto exited: %v", waitErr)
	default:
	}
	require.Error(t, tryConnect(url, HubUser, "wrong"), "the password file is in force")
}
