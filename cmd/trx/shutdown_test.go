package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestSIGTERM is issue 11's shutdown promise on a real process: on
// SIGTERM every WebSocket client gets a close frame with 1001 (not a bare
// end of the connection), and trx exits 0 when the in-flight requests
// finish within --shutdown-timeout, 1 when one is still running then (as
// the README's Commands section says).
func TestSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("starts trx processes")
	}
	bin := buildTrx(t)
	for _, tc := range []struct {
		name     string
		inFlight bool // a request still running at --shutdown-timeout
		wantExit int
	}{
		{"clean", false, 0},
		{"past the shutdown timeout", true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The read timeout is far past the shutdown timeout: the held
			// request below outlives the shutdown timeout, not its read.
			p := startAt(t, bin, t.TempDir(), nil, "--shutdown-timeout", "1s", "--read-timeout", "1h")
			p.waitReady(t)
			key := firstKey(t, p.logs.String())

			const clients = 20
			codes := make(chan websocket.StatusCode, clients)
			for range clients {
				c, _, err := dialWS(t, p.addr, key, "")
				if err != nil {
					t.Fatal(err)
				}
				go func() {
					for {
						// No deadline: the read ends with the connection (the
						// test's cleanup cuts it at worst).
						if _, _, err := c.conn.Read(context.Background()); err != nil {
							codes <- websocket.CloseStatus(err)
							return
						}
					}
				}()
			}
			if tc.inFlight {
				holdRequest(t, p.addr, key)
			}

			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			for range clients {
				if code := <-codes; code != websocket.StatusGoingAway {
					t.Fatalf("a client's connection ended with code %d, want %d (going away)", code, websocket.StatusGoingAway)
				}
			}
			var err error
			select {
			case err = <-p.done:
			case <-time.After(60 * time.Second): // a bound, not a speed check
				t.Fatalf("trx did not exit within 60 s of SIGTERM:\n%s", p.logs.String())
			}
			exit := 0
			if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
				exit = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if exit != tc.wantExit {
				t.Fatalf("trx exited with %d (%v), want %d; logs:\n%s", exit, err, tc.wantExit, p.logs.String())
			}
		})
	}
}

// holdRequest starts a create whose body never comes and returns once a
// handler is reading it (the server has answered 100 Continue): a request
// in flight until the connection ends.
func holdRequest(t *testing.T, addr, key string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST /api/v1/transactions HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n", addr, key)
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second)) // a bound, not a speed check
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("the held request: %q %v, want 100 Continue", line, err)
	}
}
