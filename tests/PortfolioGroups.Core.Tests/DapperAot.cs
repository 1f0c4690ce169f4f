// The tests' own Dapper calls (seeding, reading the physical schema) are intercepted at build time
// like the library's, since the suite runs with dynamic code off.
[module: Dapper.DapperAot]
