using BenchmarkDotNet.Attributes;

namespace PortfolioGroups.Benchmarks;

/// <summary>
/// What every benchmark class shares: the <c>Db</c> parameter (SQLite always, PostgreSQL when
/// <c>PORTFOLIOGROUPS_BENCH_POSTGRES</c> is set) and the database opened for it, closed at the end.
/// </summary>
public abstract class DatabaseBenchmark
{
    [ParamsSource(nameof(Databases))]
    public string Db { get; set; } = BenchDatabase.Sqlite;

    public static IEnumerable<string> Databases => BenchDatabase.Names();

    /// <summary>The database of this run, opened by <see cref="OpenDatabaseAsync"/>.</summary>
    protected BenchDatabase Database { get; private set; } = null!;

    [GlobalCleanup]
    public async Task GlobalCleanupAsync()
    {
        await BeforeCleanupAsync();
        await Database.DisposeAsync();
    }

    /// <summary>Runs in the global cleanup before the database is closed, such as to put the schema back.</summary>
    protected virtual Task BeforeCleanupAsync() => Task.CompletedTask;

    /// <summary>Opens the store (it migrates on open) for <see cref="Db"/>; called first by each class's global setup.</summary>
    protected async Task OpenDatabaseAsync() => Database = await BenchDatabase.OpenAsync(Db);
}
