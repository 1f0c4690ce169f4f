// Fixtures own their databases (a SQLite file, a PostgreSQL database), so they run in parallel.
[assembly: Parallelizable(ParallelScope.Fixtures)]
[assembly: LevelOfParallelism(2)]
