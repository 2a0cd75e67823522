// Package cairn holds the domain vocabulary of the cairn audit trail and the
// contracts between its parts: the Event that every component passes along,
// the Principal behind it, the resources it touched, the Filter that selects
// events, and the Index and BlobStore interfaces that storage implements.
//
// The package is deliberately small and has no heavy imports, so that every
// other package can depend on it.
package cairn
