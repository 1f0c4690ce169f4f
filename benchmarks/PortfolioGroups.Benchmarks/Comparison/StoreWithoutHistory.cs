namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// The side without the membership history of a by-turns history benchmark: a store of its own at
/// <see cref="HistoryBenchmark.WithoutHistoryVersion"/>, beside the benchmark's database. SQLite: a
/// second database file; PostgreSQL: the same database, in <paramref name="schema"/>, made anew and
/// dropped when disposed.
/// </summary>
internal sealed class StoreWithoutHistory : IAsyncDisposable
{
    private readonly BenchDatabase _with;
    private readonly BenchDatabase? _ownDatabase;
    private readonly string? _schema;

    private StoreWithoutHistory(BenchDatabase with, PortfolioStore store, BenchDatabase? ownDatabase, string? schema) =>
        (_with, Store, _ownDatabase, _schema) = (with, store, ownDatabase, schema);

    public PortfolioStore Store { get; }

    /// <summary>The schema that holds the store's tables on PostgreSQL (null on SQLite).</summary>
    public string? Schema => _schema;

    /// <param name="with">The benchmark's database (the side with the history).</param>
    /// <param name="schema">The PostgreSQL schema of the side without it.</param>
    public static async Task<StoreWithoutHistory> OpenAsync(BenchDatabase with, string schema)
    {
        StoreWithoutHistory without;
        if (with.IsPostgres)
        {
            await with.ExecuteAsync($"DROP SCHEMA IF EXISTS {schema} CASCADE");
            var store = await PortfolioStore.OpenPostgresAsync(
                Environment.GetEnvironmentVariable(BenchDatabase.PostgresVariable)!,
                new PortfolioStoreOptions { PostgresSchema = schema });
            without = new StoreWithoutHistory(with, store, null, schema);
        }
        else
        {
            var database = await BenchDatabase.OpenAsync(BenchDatabase.Sqlite);
            without = new StoreWithoutHistory(with, database.Store, database, null);
        }

        try
        {
            await without.Store.MigrateDownAsync(HistoryBenchmark.WithoutHistoryVersion);
            return without;
        }
        catch
        {
            await without.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownDatabase is not null)
        {
            await _ownDatabase.DisposeAsync();
            return;
        }

        await Store.DisposeAsync();
        await _with.ExecuteAsync($"DROP SCHEMA IF EXISTS {_schema} CASCADE");
    }
}
