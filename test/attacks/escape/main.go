// escape tries, from inside `goslim verify --run`'s sandbox, the ways out an image's own
// command has: chroot tricks, /proc/1/root, mounts, device nodes, setuid, new namespaces,
// host paths and the network. It prints one JSON line per attempt ({"attempt","ok","detail"})
// and a final "done" line; the attack tests read the lines and check the host's disk.
//
// "escape serve ADDR" instead answers every HTTP request with a body that never ends.
//
// Arguments: HOSTDIR (a canary directory on the host) and PORT (a listener on the host's
// 127.0.0.1, or 0), both passed by the test through the image's Cmd.
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type result struct {
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

var results = map[string]result{}

func report(attempt string, err error, detail string) {
	r := result{OK: err == nil, Detail: detail}
	if err != nil {
		r.Detail = err.Error()
	}
	results[attempt] = r
}

func writeIn(dir, name string) error {
	return os.WriteFile(filepath.Join(dir, name), []byte("escaped"), 0o666)
}

func main() {
	if len(os.Args) > 2 && os.Args[1] == "serve" {
		// An HTTP answer that never ends, for the probe.
		_ = http.ListenAndServe(os.Args[2], http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200)
			chunk := []byte(strings.Repeat("x", 1<<16))
			for {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}))
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "child" {
		time.Sleep(500 * time.Millisecond)
		return
	}
	hostDir := "/nonexistent"
	port := 0
	if len(os.Args) > 1 {
		hostDir = os.Args[1]
	}
	if len(os.Args) > 2 {
		port, _ = strconv.Atoi(os.Args[2])
	}
	maps, _ := os.ReadFile("/proc/self/uid_map")
	report("identity", nil, fmt.Sprintf("uid=%d euid=%d gid=%d uid_map=%q", os.Getuid(), os.Geteuid(), os.Getgid(), strings.TrimSpace(string(maps))))
	status, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(status), "\n") {
		for _, k := range []string{"NoNewPrivs", "Seccomp", "CapEff", "CapBnd", "Groups"} {
			if strings.HasPrefix(l, k+":") {
				report("status-"+k, nil, strings.TrimSpace(strings.TrimPrefix(l, k+":")))
			}
		}
	}
	devs, _ := os.ReadDir("/dev")
	names := []string{}
	for _, d := range devs {
		names = append(names, d.Name())
	}
	report("dev-listing", nil, strings.Join(names, ","))

	// 1. Write the host canary directory by its host path (it is not in the image).
	report("write-host-path", writeIn(hostDir, "pwned-direct"), "")
	// 2. /proc/1/root: the root of PID 1 of this PID namespace.
	report("write-proc1-root", writeIn("/proc/1/root"+hostDir, "pwned-proc1"), "")
	// 3. The classic chroot escape: chroot into a subdirectory while keeping the cwd outside it.
	report("chroot-escape", chrootEscape(hostDir), "")
	// 4. Mounts.
	_ = os.MkdirAll("/tmp/m", 0o755)
	report("mount-tmpfs", syscall.Mount("none", "/tmp/m", "tmpfs", 0, ""), "")
	report("mount-proc", syscall.Mount("proc", "/tmp/m", "proc", 0, ""), "")
	// 5. Device nodes: a block device (sda) and /dev/mem.
	report("mknod-block", syscall.Mknod("/tmp/sda", syscall.S_IFBLK|0o600, int(8<<8|0)), "")
	report("mknod-mem", syscall.Mknod("/tmp/mem", syscall.S_IFCHR|0o600, int(1<<8|1)), "")
	if f, err := os.Open("/tmp/sda"); err == nil {
		b := make([]byte, 16)
		_, err = f.Read(b)
		report("read-block", err, "")
		f.Close()
	} else {
		report("read-block", err, "")
	}
	// 6. Privilege: become root (if not), new user namespace, setuid files.
	report("setuid-0", syscall.Setuid(0), "")
	report("unshare-user", syscall.Unshare(syscall.CLONE_NEWUSER), "")
	report("unshare-mount", syscall.Unshare(syscall.CLONE_NEWNS), "")
	_, _, e := syscall.RawSyscall(syscall.SYS_PTRACE, syscall.PTRACE_ATTACH, 1, 0)
	report("ptrace-pid1", errnoErr(e), "")
	// 7. Network: the host's loopback.
	if port > 0 {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 500*time.Millisecond)
		if err == nil {
			c.Close()
		}
		report("connect-host-loopback", err, "")
	}
	b, _ := json.Marshal(results)
	fmt.Println("ESCAPE " + string(b))
	results = map[string]result{}
	// 8. Process limit: start children until refused (bounded).
	started := 0
	var firstErr error
	for i := 0; i < 300; i++ {
		_, err := syscall.ForkExec("/proc/self/exe", []string{"escape", "child"}, &syscall.ProcAttr{})
		if err != nil {
			firstErr = err
			break
		}
		started++
	}
	report("fork-children", firstErr, strconv.Itoa(started))
	// 9. Memory: allocate and touch up to 1 GiB in 64 MiB steps.
	report("allocate", allocate(), "")
	b, _ = json.Marshal(results)
	fmt.Println("LIMITS " + string(b))
}

var keep [][]byte

func allocate() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	for i := 0; i < 16; i++ {
		b := make([]byte, 64<<20)
		for j := 0; j < len(b); j += 4096 {
			b[j] = 1
		}
		keep = append(keep, b)
	}
	return nil
}

func errnoErr(e syscall.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

func chrootEscape(hostDir string) error {
	if err := os.MkdirAll("/tmp/jail", 0o755); err != nil {
		return err
	}
	if err := syscall.Chroot("/tmp/jail"); err != nil {
		return err
	}
	for i := 0; i < 64; i++ {
		_ = syscall.Chdir("..")
	}
	if err := syscall.Chroot("."); err != nil {
		return err
	}
	return writeIn(hostDir, "pwned-chroot")
}
