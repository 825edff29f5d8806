// Package admincli holds the operator's commands of trx, the ones that work
// on the database or the process rather than as a user over the API: trx
// users, keys, migrate, backup, restore, export --all, import --all and
// healthcheck. They work while trx serve runs on the same database.
package admincli
