// Command receiver is a stand-in for Pyroscope's HTTP ingest endpoint, for
// the push tests: POST /ingest with the query parameters name, from, until,
// format=pprof, sampleRate and spyName, and a gzipped pprof profile as the
// body.  Every body is read with Google's pprof library (profile.Parse, then
// CheckValid), and one line per request goes to -log:
//
//	ok name=NAME from=S until=S rate=HZ spy=SPY samples=N time_ns=T duration_ns=D auth=A
//	bad REASON
//
// -status answers every request with that HTTP status instead (after
// checking it), to play a failing server.  The listening port is written to
// -portfile once the socket is open.  It exits after -timeout.
//
// Build without network access against Debian's golang-github-google-pprof-dev:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o receiver .
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/google/pprof/profile"
)

var (
	logMu   sync.Mutex
	logFile *os.File
	status  = flag.Int("status", 200, "HTTP status to answer with")
)

func record(format string, args ...interface{}) {
	logMu.Lock()
	defer logMu.Unlock()
	fmt.Fprintf(logFile, format+"\n", args...)
	logFile.Sync()
}

// check returns what is wrong with the request, or "" and its facts.
func check(r *http.Request, body []byte) (string, string) {
	if r.Method != http.MethodPost || r.URL.Path != "/ingest" {
		return "not POST /ingest: " + r.Method + " " + r.URL.Path, ""
	}
	q := r.URL.Query()
	name := q.Get("name")
	if name == "" {
		return "no name", ""
	}
	from, err1 := strconv.ParseInt(q.Get("from"), 10, 64)
	until, err2 := strconv.ParseInt(q.Get("until"), 10, 64)
	if err1 != nil || err2 != nil || from <= 0 || until < from {
		return "from/until not Unix seconds in order: " + q.Get("from") + " " + q.Get("until"), ""
	}
	if q.Get("format") != "pprof" {
		return "format is not pprof: " + q.Get("format"), ""
	}
	if rate, err := strconv.Atoi(q.Get("sampleRate")); err != nil || rate <= 0 {
		return "sampleRate not a positive number: " + q.Get("sampleRate"), ""
	}
	if len(body) < 2 || body[0] != 0x1f || body[1] != 0x8b {
		return "body is not gzipped", ""
	}
	p, err := profile.Parse(bytes.NewReader(body))
	if err != nil {
		return "body does not parse: " + err.Error(), ""
	}
	if err := p.CheckValid(); err != nil {
		return "profile not valid: " + err.Error(), ""
	}
	auth := r.Header.Get("Authorization")
	if auth == "" {
		auth = "none"
	}
	return "", fmt.Sprintf("name=%s from=%d until=%d rate=%s spy=%s samples=%d time_ns=%d duration_ns=%d auth=%q tenant=%q",
		name, from, until, q.Get("sampleRate"), q.Get("spyName"), len(p.Sample),
		p.TimeNanos, p.DurationNanos, auth, r.Header.Get("X-Scope-OrgID"))
}

func ingest(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		record("bad reading the body: %v", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	bad, facts := check(r, body)
	if bad != "" {
		record("bad %s", bad)
		http.Error(w, bad, http.StatusUnprocessableEntity)
		return
	}
	if *status != 200 {
		record("refused %d %s", *status, facts)
		http.Error(w, "refused", *status)
		return
	}
	record("ok %s", facts)
}

func main() {
	logPath := flag.String("log", "", "where to write one line per request")
	portFile := flag.String("portfile", "", "where to write the port")
	timeout := flag.Duration("timeout", 120*time.Second, "exit after this long")
	flag.Parse()
	var err error
	if logFile, err = os.Create(*logPath); err != nil {
		fmt.Fprintln(os.Stderr, "receiver:", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "receiver:", err)
		os.Exit(1)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := os.WriteFile(*portFile+".tmp", []byte(strconv.Itoa(port)+"\n"), 0o644); err == nil {
		os.Rename(*portFile+".tmp", *portFile)
	}
	go func() {
		time.Sleep(*timeout)
		os.Exit(0)
	}()
	http.HandleFunc("/", ingest)
	http.Serve(ln, nil)
}
