package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"syscall"

	"github.com/go-sql-driver/mysql"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/trx-platform/trx/internal/fault"
)

// ErrUnavailableMessage is what a caller is told when the database cannot
// serve: the cause goes to the log, not to the caller.
const ErrUnavailableMessage = "the database is unavailable; retry later"

// Classify returns err as a fault.Unavailable error when it says the
// database cannot serve now — it is unreachable (connection refused or
// reset, server gone, too many connections), too slow (a timeout, a lock
// wait, a deadlock) or cannot write (disk full, read-only, I/O error) —
// so that the caller gets 503 with Retry-After instead of 500. Anything
// else (a constraint violation, a bad query, a cancelled request) is
// returned as it is. The cause stays in the chain (errors.Is and errors.As
// see through). trx's pools classify every driver error at this boundary
// (see Open), so stores need not.
func Classify(err error) error {
	if err == nil || fault.KindOf(err) != fault.Internal || !unavailable(err) {
		return err
	}
	return &fault.Error{Kind: fault.Unavailable, Msg: ErrUnavailableMessage, Err: err}
}

func unavailable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false // the caller went away: not the database's fault
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	for _, e := range []syscall.Errno{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE,
		syscall.ETIMEDOUT, syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.ENOSPC, syscall.EROFS, syscall.EIO, syscall.EDQUOT} {
		if errors.Is(err, e) {
			return true
		}
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true // a dial or read on the network failed: the server is not there
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1021, // ER_DISK_FULL
			1030,       // ER_GET_ERRNO (from the storage engine: e.g. 28, no space)
			1040,       // ER_CON_COUNT_ERROR: too many connections
			1053,       // ER_SERVER_SHUTDOWN
			1114,       // ER_RECORD_FILE_FULL: the table is full
			1205,       // ER_LOCK_WAIT_TIMEOUT
			1213,       // ER_LOCK_DEADLOCK
			1290,       // ER_OPTION_PREVENTS_STATEMENT: --read-only
			1317,       // ER_QUERY_INTERRUPTED
			1792,       // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
			1836,       // ER_READ_ONLY_MODE
			1927,       // ER_CONNECTION_KILLED (MariaDB)
			1969,       // ER_STATEMENT_TIMEOUT (MariaDB max_statement_time)
			2006, 2013, // server gone away, lost connection
			3024: // ER_QUERY_TIMEOUT (MySQL max_execution_time)
			return true
		}
		return false
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // the primary result code
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR,
			sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PROTOCOL:
			return true
		}
	}
	return false
}

// cannotWrite reports whether err says the database cannot write at all
// now — its disk is full, it is read-only, or its storage fails — as
// opposed to being unreachable or busy (which the write probe sees, or
// which pass).
func cannotWrite(err error) bool {
	for _, e := range []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT, syscall.EROFS, syscall.EIO} {
		if errors.Is(err, e) {
			return true
		}
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1021, 1030, 1114, // disk full, a storage engine's errno (e.g. 28, no space), the table is full
			1290, 1792, 1836: // read-only server, transaction, mode
			return true
		}
		return false
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR:
			return true
		}
	}
	return false
}
