package kernel

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// Bindings reads the list of what the kernel binds for students
// (kernel/bindings.txt: one module-relative import path per line, '#'
// comments) and returns the full import paths, under module.
// kernel/build.sh reads the same file.
func Bindings(file, module string) ([]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("kernel bindings: %w", err)
	}
	defer f.Close()
	var pkgs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if line = strings.TrimSpace(line); line != "" {
			pkgs = append(pkgs, module+"/"+line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("kernel bindings %s: %w", file, err)
	}
	return pkgs, nil
}
