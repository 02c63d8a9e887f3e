// Package usertest holds the tests that use the repository as a user
// does, with the programs a user has: the README's commands on a fresh
// clone, "make w3c" against a copy of the W3C's site, and the deployment
// topology of compose.yaml run as processes. It has no code of its own.
package usertest
