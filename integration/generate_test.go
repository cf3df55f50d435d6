//go:build linux

package integration

// Generating from files (docs/jobs-and-styles.md, "Generating"): mkdir in
// jobs/, write request.json, cat wait, use the result; assets as inputs;
// refusals that leave an error file and send nothing (or exactly once);
// editor saves and cp -r; names that survive a remount; --no-generate.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

// writeRequest writes body to path with `cat > path`, as a user would, and
// returns cat's stderr and error (the close reports the outcome).
func writeRequest(t testing.TB, path, body string) (string, error) {
	t.Helper()
	_, stderr, err := runErr(t, "sh", "-c", `printf '%s' "$1" | cat > "$2"`, "sh", body, path)
	return stderr, err
}

// sentBodies decodes the bodies of the generation and training POSTs the
// emulator got.
func sentBodies(t testing.TB, emu *Emulator) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range emu.PaidRequests() {
		var m map[string]any
		if err := json.Unmarshal(r.Body, &m); err != nil {
			t.Fatalf("the emulator got a non-JSON body %q: %v", r.Body, err)
		}
		out = append(out, m)
	}
	return out
}

func TestMkdirAndRequestJsonStartAJobWhoseResultWaitAnnounces(t *testing.T) {
	t.Parallel()
	needProgram(t, "identify")
	emu := startEmulator(t, emulator.Options{JobDuration: time.Second})
	m := mount(t, emu)
	dir := m.Path("jobs", "lighthouse")
	run(t, "mkdir", dir)
	if stderr, err := writeRequest(t, filepath.Join(dir, "request.json"),
		`{"model": "image/bfl/flux-1-dev", "prompt": "a lighthouse at dusk", "width": 1024, "height": 512}`); err != nil {
		t.Fatalf("cat > request.json: %v %s\n%s", err, stderr, m.Logs())
	}
	if got := strings.TrimSpace(run(t, "cat", filepath.Join(dir, "wait"))); got != "completed" {
		t.Fatalf("cat wait = %q, want completed", got)
	}
	if got := strings.TrimSpace(run(t, "identify", "-format", "%m %wx%h", filepath.Join(dir, "result-0.png"))); got != "PNG 1024x512" {
		t.Errorf("identify result-0.png = %q, want PNG 1024x512", got)
	}
	id := strings.TrimSpace(run(t, "cat", filepath.Join(dir, "id")))
	if paid := emu.PaidRequests(); len(paid) != 1 || paid[0].Path != "/generate/image/bfl/flux-1-dev" || len(emu.Jobs()) != 1 || emu.Jobs()[0].JobID != id {
		t.Fatalf("one request file, %d POSTs (%+v), jobs %v, id %q", len(paid), paid, emu.JobIDs(), id)
	}
	if names := lsNames(t, dir); !slices.Equal(names, []string{"id", "job.json", "request.json", "result-0.png", "status", "wait"}) {
		t.Errorf("ls jobs/lighthouse = %q", names)
	}
	// The same job under its id; request.json is read-only now.
	if run(t, "cmp", filepath.Join(dir, "result-0.png"), m.Path("jobs", id, "result-0.png")) != "" {
		t.Error("cmp printed something")
	}
	if got := strings.TrimSpace(run(t, "cat", filepath.Join(dir, "status"))); got != "completed" {
		t.Errorf("status = %q", got)
	}
	if _, err := writeRequest(t, filepath.Join(dir, "request.json"), `{"model": "image/bfl/flux-1-dev", "prompt": "again"}`); err == nil {
		t.Error("rewriting a sent request.json succeeded")
	}
	if n := len(emu.PaidRequests()); n != 1 {
		t.Errorf("%d POSTs after rewriting a sent request", n)
	}
	// A result is an input of the next request, by its path in the mount.
	run(t, "mkdir", m.Path("jobs", "next"))
	if stderr, err := writeRequest(t, m.Path("jobs", "next", "request.json"),
		`{"model": "image/bfl/flux-1-dev", "prompt": "the same at night", "image_url": "jobs/lighthouse/result-0.png"}`); err != nil {
		t.Fatalf("request using a result: %v %s", err, stderr)
	}
	var first jobView
	catJSON(t, filepath.Join(dir, "job.json"), &first)
	if sent := sentBodies(t, emu); len(sent) != 2 || first.Result == nil || sent[1]["image_url"] != first.Result.URLs[0] {
		t.Errorf("image_url sent for jobs/lighthouse/result-0.png: %v, want %v", sent, first.Result)
	}
	// models/ lists the endpoints; an example.json copied as is starts a job.
	if names := lsNames(t, m.Path("models", "image", "bfl", "flux-1-dev")); !slices.Equal(names, []string{"example.json", "schema.json"}) {
		t.Errorf("ls models/image/bfl/flux-1-dev = %q", names)
	}
	run(t, "mkdir", m.Path("jobs", "from-example"))
	run(t, "cp", m.Path("models", "video", "kling", "kling-2.6", "example.json"), m.Path("jobs", "from-example", "request.json"))
	if got := strings.TrimSpace(run(t, "cat", m.Path("jobs", "from-example", "wait"))); got != "completed" {
		t.Fatalf("example job: %q", got)
	}
	if _, err := os.Stat(m.Path("jobs", "from-example", "result-0.mp4")); err != nil {
		t.Errorf("the video model's result: %v", err)
	}
}

func TestARequestNamingAnAssetSendsItsHostedURLAndALocalFileIsRefused(t *testing.T) {
	t.Parallel()
	emu := startEmulator(t, emulator.Options{JobDuration: time.Hour})
	cat := emu.add(makePNG(1, 64, 64), "cat.png")
	m := mount(t, emu)
	run(t, "ls", m.Path("assets"))
	run(t, "mkdir", m.Path("jobs", "rel"), m.Path("jobs", "abs"), m.Path("jobs", "local"))
	body := `{"model": "image/bfl/flux-1-dev", "prompt": "a cat", "image_url": "%s"}`
	for name, ref := range map[string]string{"rel": "assets/cat.png", "abs": m.Path("assets", "cat.png")} {
		if stderr, err := writeRequest(t, m.Path("jobs", name, "request.json"), strings.Replace(body, "%s", ref, 1)); err != nil {
			t.Fatalf("%s: %v %s\n%s", name, err, stderr, m.Logs())
		}
	}
	sent := sentBodies(t, emu)
	if len(sent) != 2 || sent[0]["image_url"] != cat.ImageURL || sent[1]["image_url"] != cat.ImageURL {
		t.Fatalf("image_url sent: %v, want %s twice", sent, cat.ImageURL)
	}
	local := filepath.Join(t.TempDir(), "dog.png")
	if err := os.WriteFile(local, makePNG(2, 8, 8), 0o644); err != nil {
		t.Fatal(err)
	}
	stderr, err := writeRequest(t, m.Path("jobs", "local", "request.json"), strings.Replace(body, "%s", local, 1))
	if err == nil || !strings.Contains(stderr, "Invalid argument") {
		t.Errorf("a local file outside the mount: %v %q, want EINVAL", err, stderr)
	}
	if msg := run(t, "cat", m.Path("jobs", "local", "error")); !strings.Contains(msg, "outside the mount") || !strings.Contains(msg, "assets/dog.png") {
		t.Errorf("error file: %q", msg)
	}
	if n := len(emu.PaidRequests()); n != 2 {
		t.Errorf("%d POSTs, want 2 (the local file must not be sent or uploaded)", n)
	}
	if n := emu.UploadCount(); n != 0 {
		t.Errorf("%d uploads: kreafs uploaded as a side effect", n)
	}
}

func TestAnInvalidRequestLeavesAnErrorFileSendsNothingAndCanBeFixed(t *testing.T) {
	t.Parallel()
	emu := startEmulator(t, emulator.Options{JobDuration: -1})
	m := mount(t, emu)
	dir := m.Path("jobs", "x")
	run(t, "mkdir", dir)
	stderr, err := writeRequest(t, filepath.Join(dir, "request.json"), `{"model": "image/bfl/flux-1-dev", "width": 1024}`)
	if err == nil || !strings.Contains(stderr, "Invalid argument") {
		t.Fatalf("invalid request: %v %q, want cat to report EINVAL", err, stderr)
	}
	if got := strings.TrimSpace(run(t, "cat", filepath.Join(dir, "status"))); got != "refused" {
		t.Errorf("status = %q", got)
	}
	if msg := run(t, "cat", filepath.Join(dir, "error")); !strings.Contains(msg, "prompt") {
		t.Errorf("error = %q, want it to name prompt", msg)
	}
	if got := run(t, "cat", filepath.Join(dir, "request.json")); !strings.Contains(got, `"width": 1024`) {
		t.Errorf("request.json after a refusal = %q", got)
	}
	if n := len(emu.PaidRequests()); n != 0 {
		t.Fatalf("%d POSTs for an invalid request", n)
	}
	if !strings.Contains(m.Logs(), "missing property 'prompt'") {
		t.Errorf("no log line says why:\n%s", m.Logs())
	}
	if stderr, err := writeRequest(t, filepath.Join(dir, "request.json"), `{"model": "image/bfl/flux-1-dev", "prompt": "fixed"}`); err != nil {
		t.Fatalf("fixed request: %v %s", err, stderr)
	}
	if got := strings.TrimSpace(run(t, "cat", filepath.Join(dir, "wait"))); got != "completed" {
		t.Errorf("wait after the fix = %q", got)
	}
	if names := lsNames(t, dir); slices.Contains(names, "error") {
		t.Errorf("error file still listed after the fix: %q", names)
	}
}

func TestWithoutCreditsTheRequestIsRefusedOnceAndNotRetried(t *testing.T) {
	t.Parallel()
	emu := startEmulator(t, emulator.Options{NoCredits: true})
	m := mount(t, emu)
	dir := m.Path("jobs", "broke")
	run(t, "mkdir", dir)
	stderr, err := writeRequest(t, filepath.Join(dir, "request.json"), `{"model": "video/kling/kling-2.6", "prompt": "a fox"}`)
	if err == nil || !strings.Contains(stderr, "Input/output error") {
		t.Fatalf("402: %v %q, want cat to report EIO", err, stderr)
	}
	if msg := run(t, "cat", filepath.Join(dir, "error")); !strings.Contains(msg, "402") || !strings.Contains(msg, "run out of credits") {
		t.Errorf("error = %q", msg)
	}
	if got := strings.TrimSpace(run(t, "cat", filepath.Join(dir, "wait"))); got != "refused" {
		t.Errorf("wait = %q", got)
	}
	time.Sleep(500 * time.Millisecond) // a retry would have come by now
	if n := len(emu.PaidRequests()); n != 1 {
		t.Errorf("%d POSTs, want exactly 1", n)
	}
}

func TestAnEditorSaveThroughATempFileStartsOneJob(t *testing.T) {
	t.Parallel()
	emu := startEmulator(t, emulator.Options{JobDuration: -1})
	m := mount(t, emu)
	dir := m.Path("jobs", "edited")
	run(t, "mkdir", dir)
	for _, junk := range []string{".request.json.swp", "request.json~", "._request.json", "4913"} {
		if stderr, err := writeRequest(t, filepath.Join(dir, junk), `{"model": "image/bfl/flux-1-dev", "prompt": "junk"}`); err != nil {
			t.Fatalf("writing %s: %v %s", junk, err, stderr)
		}
	}
	if n := len(emu.PaidRequests()); n != 0 {
		t.Fatalf("temp, swap and AppleDouble files sent %d requests", n)
	}
	tmp := filepath.Join(dir, ".request.json.XXXX")
	if stderr, err := writeRequest(t, tmp, `{"model": "image/bfl/flux-1-dev", "prompt": "saved by an editor"}`); err != nil {
		t.Fatal(err, stderr)
	}
	run(t, "mv", tmp, filepath.Join(dir, "request.json"))
	if got := strings.TrimSpace(run(t, "cat", filepath.Join(dir, "wait"))); got != "completed" {
		t.Errorf("wait = %q", got)
	}
	sent := sentBodies(t, emu)
	if len(sent) != 1 || sent[0]["prompt"] != "saved by an editor" {
		t.Errorf("sent %v", sent)
	}
}

func TestCpROfADirectoryHoldingARequestStartsOneJob(t *testing.T) {
	t.Parallel()
	emu := startEmulator(t, emulator.Options{JobDuration: -1})
	m := mount(t, emu)
	src := filepath.Join(t.TempDir(), "batch-7")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(src, "request.json"), []byte(`{"model": "image/bfl/flux-1-dev", "prompt": "copied"}`), 0o644)
	os.WriteFile(filepath.Join(src, "notes.txt"), []byte("kept in memory, never sent\n"), 0o644)
	run(t, "cp", "-r", src, m.Path("jobs"))
	if got := strings.TrimSpace(run(t, "cat", m.Path("jobs", "batch-7", "wait"))); got != "completed" {
		t.Errorf("wait = %q", got)
	}
	if n := len(emu.PaidRequests()); n != 1 {
		t.Errorf("cp -r sent %d requests, want 1", n)
	}
	if got := run(t, "cat", m.Path("jobs", "batch-7", "notes.txt")); got != "kept in memory, never sent\n" {
		t.Errorf("notes.txt = %q", got)
	}
	// rm -r removes the directory (and hides the finished job).
	run(t, "rm", "-r", m.Path("jobs", "batch-7"))
	if names := lsNames(t, m.Path("jobs")); slices.Contains(names, "batch-7") {
		t.Errorf("ls jobs after rm -r: %q", names)
	}
}

func TestARemountKeepsTheJobsName(t *testing.T) {
	t.Parallel()
	emu := startEmulator(t, emulator.Options{JobDuration: -1})
	cacheDir := t.TempDir()
	m1 := mountWith(t, emu, mountOpts{CacheDir: cacheDir})
	run(t, "mkdir", m1.Path("jobs", "keep"))
	if stderr, err := writeRequest(t, m1.Path("jobs", "keep", "request.json"), `{"model": "image/bfl/flux-1-dev", "prompt": "kept"}`); err != nil {
		t.Fatal(err, stderr)
	}
	id := strings.TrimSpace(run(t, "cat", m1.Path("jobs", "keep", "id")))
	m1.Stop()

	m2 := mountWith(t, emu, mountOpts{CacheDir: cacheDir})
	if got := strings.TrimSpace(run(t, "cat", m2.Path("jobs", "keep", "id"))); got != id {
		t.Errorf("id after a remount = %q, want %q", got, id)
	}
	if got := run(t, "cat", m2.Path("jobs", "keep", "request.json")); !strings.Contains(got, `"prompt": "kept"`) {
		t.Errorf("request.json after a remount = %q", got)
	}
	if _, err := os.Stat(m2.Path("jobs", "keep", "result-0.png")); err != nil {
		t.Errorf("result after a remount: %v", err)
	}
	if n := len(emu.PaidRequests()); n != 1 {
		t.Errorf("%d POSTs across a remount", n)
	}
}

func TestNoGenerateAndReadOnlyRefuseToStartJobs(t *testing.T) {
	t.Parallel()
	emu := startEmulator(t, emulator.Options{JobDuration: -1})
	for flag, want := range map[string]string{"--no-generate": "Operation not permitted", "--read-only": "Read-only file system"} {
		m := mount(t, emu, flag)
		_, stderr, err := runErr(t, "mkdir", m.Path("jobs", "x"))
		if err == nil || !strings.Contains(stderr, want) {
			t.Errorf("mkdir jobs/x with %s: %v %q, want %q", flag, err, stderr, want)
		}
		if names := lsNames(t, m.Path("models")); len(names) != 3 {
			t.Errorf("models/ with %s: %q", flag, names)
		}
	}
	if n := len(emu.PaidRequests()); n != 0 {
		t.Errorf("%d POSTs", n)
	}
}

func TestReadingWaitIsInterruptible(t *testing.T) {
	t.Parallel()
	needProgram(t, "python3")
	emu := startEmulator(t, emulator.Options{JobDuration: time.Hour})
	m := mount(t, emu)
	run(t, "mkdir", m.Path("jobs", "slow"))
	if stderr, err := writeRequest(t, m.Path("jobs", "slow", "request.json"), `{"model": "video/kling/kling-2.6", "prompt": "slow"}`); err != nil {
		t.Fatal(err, stderr)
	}
	// Python handles SIGINT itself, so the signal is not fatal: the kernel
	// sends FUSE_INTERRUPT and the read returns only when kreafs answers
	// it (EINTR). A fatal signal would end any read, answered or not.
	const script = `
import os, signal, sys, threading, time
threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
start = time.time()
try:
    open(sys.argv[1]).read()
    print("returned")
except KeyboardInterrupt:
    print("interrupted after %.1fs" % (time.time() - start))
`
	out, stderr, err := runErrTimeout(t, 15*time.Second, "python3", "-c", script, m.Path("jobs", "slow", "wait"))
	if err != nil || !strings.HasPrefix(out, "interrupted after ") {
		t.Fatalf("reading wait of an hour-long job, SIGINT at 1s: %q %q %v", out, stderr, err)
	}
	t.Logf("python3: %s", strings.TrimSpace(out))
}

func TestATrainJsonTrainsAStyleThatTakesTheFoldersName(t *testing.T) {
	t.Parallel()
	emu := startEmulator(t, emulator.Options{JobDuration: time.Second})
	a := emu.add(makePNG(3, 64, 64), "a.png")
	b := emu.add(makePNG(4, 64, 64), "b.png")
	m := mount(t, emu, "--dir-cache-ttl", "1s")
	run(t, "ls", m.Path("assets"))
	dir := m.Path("styles", "Ink")
	run(t, "mkdir", dir)
	if stderr, err := writeRequest(t, filepath.Join(dir, "train.json"), `{"urls": ["assets/a.png", "assets/b.png"], "max_train_steps": 100}`); err != nil {
		t.Fatalf("cat > train.json: %v %s\n%s", err, stderr, m.Logs())
	}
	sent := sentBodies(t, emu)
	if len(sent) != 1 || sent[0]["name"] != "Ink" {
		t.Fatalf("sent %v", sent)
	}
	if urls, _ := sent[0]["urls"].([]any); len(urls) != 2 || urls[0] != a.ImageURL || urls[1] != b.ImageURL {
		t.Errorf("urls sent %v, want the assets' URLs", sent[0]["urls"])
	}
	if got := strings.TrimSpace(run(t, "cat", filepath.Join(dir, "wait"))); got != "completed" {
		t.Fatalf("wait = %q", got)
	}
	// The trained style takes the name: styles/Ink/style.json appears.
	if err := eventually(5*time.Second, func() error {
		_, err := os.Stat(filepath.Join(dir, "style.json"))
		return err
	}); err != nil {
		t.Errorf("styles/Ink never became the style: %v (ls: %q)", err, lsNames(t, dir))
	}
	if names := lsNames(t, m.Path("styles")); len(names) != 1 || names[0] != "Ink" {
		t.Errorf("ls styles = %q, want Ink once", names)
	}
	// The style is an input by its folder.
	styles := emu.Styles()
	run(t, "mkdir", m.Path("jobs", "inked"))
	if stderr, err := writeRequest(t, m.Path("jobs", "inked", "request.json"),
		`{"model": "image/bfl/flux-1-dev", "prompt": "a harbour", "styles": [{"id": "styles/Ink", "strength": 0.8}]}`); err != nil {
		t.Fatalf("request using styles/Ink: %v %s\n%s", err, stderr, m.Logs())
	}
	sent = sentBodies(t, emu)
	st, _ := sent[len(sent)-1]["styles"].([]any)
	if len(styles) != 1 || len(st) != 1 || st[0].(map[string]any)["id"] != styles[0].ID {
		t.Errorf("styles sent %v, want the id of %v", st, styles)
	}
}
