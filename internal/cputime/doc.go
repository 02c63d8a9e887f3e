// Package cputime reads the CPU time the process has used, user and
// system, all threads together (the garbage collector's included). The
// benchmarks that compare Orca with other engines and "orca bench" report
// it, since on a machine other programs share, wall time measures them
// too.
package cputime
