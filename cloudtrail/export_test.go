package cloudtrail

// ScanAgrees is scanAgrees, for the tests of the external package, which
// may import the simulator.
var ScanAgrees = scanAgrees
