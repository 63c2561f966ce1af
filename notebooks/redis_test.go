//go:build e2e

package notebooks

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golocks/golocks/course/redisserver"
	"github.com/golocks/golocks/internal/jupytertest"
	"github.com/golocks/golocks/internal/redistest"
	"github.com/golocks/golocks/internal/workbooktest"
)

// Part 4 against a class's shared server: with REDIS_URL set, the notebook
// uses that server (its keys appear there, named for the hub's user), and
// shows everything it shows on a private one.
func TestBeyondOneMachineOnSharedServer(t *testing.T) {
	k := jupytertest.InstallKernel(t)
	srv := redistest.Server(t)
	shared := *k
	shared.Env = append(withoutRedisURL(k.Env), "REDIS_URL="+srv.URL(), "JUPYTERHUB_USER=ada")

	const name = "4-beyond-one-machine.ipynb"
	cells := runNotebook(t, &shared, filepath.Join("solution", name))
	workbooktest.Check(t, "solution", name, cells, workbooktest.EveryCell)
	for _, c := range cells {
		if c.ID == "setup" && !strings.Contains(c.Text, "Redis server: "+srv.String()+"\n") {
			t.Errorf("setup cell says %q, want the shared server %s", c.Text, srv)
		}
	}

	rdb, err := redisserver.Dial(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	keys, err := rdb.Keys(context.Background(), "golocks:ada:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) == 0 {
		t.Errorf("no golocks:ada:* keys on the shared server: the notebook did not use it")
	}
	t.Logf("keys on the shared server: %v", keys)
}

// withoutRedisURL is env without REDIS_URL.
func withoutRedisURL(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "REDIS_URL=") {
			out = append(out, kv)
		}
	}
	return out
}
