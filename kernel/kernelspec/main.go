// Command kernelspec writes the golocks kernelspec's kernel.json: the
// kernel's binary under -dir, its worker, and what it was built from.
// kernel/build.sh runs it when it builds a kernelspec folder, and again
// when it installs one elsewhere (-from the built kernel.json, whose
// metadata it keeps), so the file is written by encoding/json and read
// back by it, never by hand.
//
//	kernelspec -dir DIR -name NAME -gophernotes VERSION [-race] -o FILE
//	kernelspec -dir DIR -from BUILT.json -o FILE
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

// spec is a Jupyter kernelspec (jupyter_client's kernel.json) for golocks.
type spec struct {
	Argv          []string          `json:"argv"`
	DisplayName   string            `json:"display_name"`
	Language      string            `json:"language"`
	InterruptMode string            `json:"interrupt_mode"`
	Env           map[string]string `json:"env"`
	Metadata      struct {
		Golocks built `json:"golocks"`
	} `json:"metadata"`
}

// built is what the kernel was built from.
type built struct {
	Gophernotes string `json:"gophernotes"`
	Race        bool   `json:"race"`
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "kernelspec:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("kernelspec", flag.ContinueOnError)
	dir := fs.String("dir", "", "the kernelspec folder the kernel runs from (its binary is DIR/bin/golocks-kernel)")
	name := fs.String("name", "", "the name Jupyter shows")
	gp := fs.String("gophernotes", "", "the gophernotes version built")
	race := fs.Bool("race", false, "built with the race detector")
	from := fs.String("from", "", "a built kernel.json whose name and metadata to keep")
	out := fs.String("o", "", "the kernel.json to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || *out == "" || !filepath.IsAbs(*dir) {
		return errors.New("-dir (absolute) and -o are required")
	}
	var s spec
	if *from != "" {
		data, err := os.ReadFile(*from)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(data, &s); err != nil {
			return fmt.Errorf("%s: %w", *from, err)
		}
	} else {
		if *name == "" || *gp == "" {
			return errors.New("-name and -gophernotes are required without -from")
		}
		s.DisplayName = *name
		s.Metadata.Golocks = built{Gophernotes: *gp, Race: *race}
	}
	kernel := filepath.Join(*dir, "bin", "golocks-kernel")
	s.Argv = []string{kernel, "{connection_file}"}
	s.Language = "go"
	s.InterruptMode = "message"
	s.Env = map[string]string{"GOLOCKS_WORKER": kernel}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(*out, append(data, '\n'), 0o644)
}
