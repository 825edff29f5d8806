package main

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// raiseFileLimit raises this process's soft limit of open files to the hard
// limit and returns the soft limit it ends with.
func raiseFileLimit() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 1024
	}
	if rl.Cur < rl.Max {
		want := rl
		want.Cur = rl.Max
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want) == nil {
			rl = want
		}
	}
	return rl.Cur
}

func selfCPU() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// serverSample is the server's CPU time and memory at one moment.
type serverSample struct {
	At     time.Time
	CPU    time.Duration // user + system
	RSS    int64         // bytes
	PID    int
	Thread int
}

// readServer reads /proc/<pid>/stat (utime, stime) and /proc/<pid>/status
// (VmRSS, Threads).
func readServer(pid int) (serverSample, error) {
	s := serverSample{At: time.Now(), PID: pid}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return s, err
	}
	// The command name, in parentheses, may hold spaces: fields count from
	// after its closing parenthesis, where field 3 (state) begins.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return s, errors.New("unreadable /proc stat")
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return s, errors.New("short /proc stat")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return s, errors.New("unreadable /proc stat times")
	}
	const clockTicks = 100 // USER_HZ, 100 on every Linux ABI Go supports
	s.CPU = time.Duration(utime+stime) * time.Second / clockTicks
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		fs := strings.Fields(v)
		if len(fs) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(fs[0], 10, 64)
		switch k {
		case "VmRSS":
			s.RSS = n << 10 // kB
		case "Threads":
			s.Thread = int(n)
		}
	}
	return s, nil
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// processCPU returns the user and system CPU time of this process.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// resetPeakRSS sets this process's peak RSS (VmHWM) back to its current
// RSS, where Linux allows it.
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSS returns this process's VmHWM in bytes, or 0 when unknown.
func peakRSS() int64 { return readPeakRSS("/proc/self/status") }

// procPeakRSS returns the VmHWM of process pid in bytes, or 0 when unknown
// (or once it has exited).
func procPeakRSS(pid int) int64 { return readPeakRSS("/proc/" + strconv.Itoa(pid) + "/status") }

func readPeakRSS(file string) int64 {
	status, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
