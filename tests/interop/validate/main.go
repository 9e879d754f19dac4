// Command validate checks a profile file with Google's own pprof library (the
// reader behind `go tool pprof`) and prints facts about it, one per line, for
// tests/interop/pprof-go.sh to assert on.  It exits 1 with the error when the
// file does not parse or is not a valid profile.
//
// Build without network access against Debian's golang-github-google-pprof-dev:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o validate .
package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/google/pprof/profile"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "validate: "+format+"\n", args...)
	os.Exit(1)
}

// leafName names the innermost frame of a sample: the innermost inlined
// function of its first location, or the address when it has no lines.
func leafName(s *profile.Sample) string {
	if len(s.Location) == 0 {
		return "(no stack)"
	}
	loc := s.Location[0]
	if len(loc.Line) > 0 && loc.Line[0].Function != nil && loc.Line[0].Function.Name != "" {
		return loc.Line[0].Function.Name
	}
	return fmt.Sprintf("0x%x", loc.Address)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: validate PROFILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fail("%v", err)
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		fail("parse %s: %v", os.Args[1], err)
	}
	if err := p.CheckValid(); err != nil {
		fail("invalid profile %s: %v", os.Args[1], err)
	}
	fmt.Println("valid: yes")

	var types []string
	for _, st := range p.SampleType {
		types = append(types, st.Type+"/"+st.Unit)
	}
	fmt.Println("sample_types:", strings.Join(types, " "))
	if p.PeriodType != nil {
		fmt.Printf("period_type: %s/%s\n", p.PeriodType.Type, p.PeriodType.Unit)
	} else {
		fmt.Println("period_type: none")
	}
	fmt.Println("period:", p.Period)
	fmt.Println("samples:", len(p.Sample))

	totals := make([]int64, len(p.SampleType))
	missing := 0
	for _, s := range p.Sample {
		for i, v := range s.Value {
			totals[i] += v
		}
		if len(s.NumLabel["pid"]) == 0 || len(s.NumLabel["tid"]) == 0 ||
			len(s.Label["thread"]) == 0 {
			missing++
		}
	}
	for i, st := range p.SampleType {
		fmt.Printf("total %s/%s: %d\n", st.Type, st.Unit, totals[i])
	}
	// A differential profile (hwprof diff -o, pprof -diff_base): BASE's
	// samples are the ones labelled pprof::base=true.
	baseSamples, baseTotals := 0, make([]int64, len(p.SampleType))
	for _, s := range p.Sample {
		if s.DiffBaseSample() {
			baseSamples++
			for i, v := range s.Value {
				baseTotals[i] += v
			}
		}
	}
	fmt.Println("diff base samples:", baseSamples)
	for i, st := range p.SampleType {
		fmt.Printf("diff base total %s/%s: %d\n", st.Type, st.Unit, baseTotals[i])
	}
	if missing == 0 && len(p.Sample) > 0 {
		fmt.Println("labels pid/tid/thread: all")
	} else {
		fmt.Printf("labels pid/tid/thread: missing in %d of %d samples\n", missing, len(p.Sample))
	}

	fmt.Println("time_nanos:", p.TimeNanos)
	fmt.Println("duration_nanos:", p.DurationNanos)
	byPid := map[string]int64{}
	for _, s := range p.Sample {
		if len(s.NumLabel["pid"]) == 0 || len(s.Value) < 2 {
			continue
		}
		key := fmt.Sprintf("pid %d process %s leaf %s", s.NumLabel["pid"][0],
			strings.Join(s.Label["process"], ","), leafName(s))
		byPid[key] += s.Value[0]
	}
	var keys []string
	for k := range byPid {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("%s samples %d\n", k, byPid[k])
	}

	files := map[string]bool{}
	for _, m := range p.Mapping {
		files[m.File] = true
	}
	var names []string
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Println("mapping:", name)
	}
	withNumber := 0
	for _, l := range p.Location {
		for _, ln := range l.Line {
			if ln.Line > 0 {
				withNumber++
			}
		}
	}
	fmt.Println("lines_with_number:", withNumber)

	// Rank leaves by the first value that is not a plain sample count (cpu
	// time, cycles); fall back to the first value.
	vi := 0
	for i, st := range p.SampleType {
		if st.Type != "samples" {
			vi = i
			break
		}
	}
	if len(p.SampleType) == 0 {
		return
	}
	flat := map[string]int64{}
	for _, s := range p.Sample {
		flat[leafName(s)] += s.Value[vi]
	}
	type leaf struct {
		name string
		v    int64
	}
	var leaves []leaf
	for name, v := range flat {
		leaves = append(leaves, leaf{name, v})
	}
	sort.Slice(leaves, func(a, b int) bool {
		if leaves[a].v != leaves[b].v {
			return leaves[a].v > leaves[b].v
		}
		return leaves[a].name < leaves[b].name
	})
	for i := 0; i < len(leaves) && i < 5; i++ {
		fmt.Printf("top %s: %s %d\n", p.SampleType[vi].Type, leaves[i].name, leaves[i].v)
	}
}
