using BenchmarkDotNet.Attributes;

namespace PortfolioGroups.Benchmarks;

/// <summary>
/// The SQLite per-connection settings of <c>PortfolioStoreOptions</c>, side by side on one machine:
/// a single add (one commit: what <c>SqliteSynchronous</c> changes) and deleting a group of
/// 100,000 members (many pages: what <c>SqliteCacheSizeKiB</c> changes). SQLite only; each
/// setting gets a store of its own on a fresh file.
/// </summary>
/// <remarks>
/// <c>Settings</c> reads "synchronous / cache": the default store is "Full / default" (SQLite's
/// 2,000 KiB cache). The group and its members are re-created before every iteration.
/// </remarks>
[MemoryDiagnoser]
[MedianColumn]
[Config(typeof(Comparison.ComparisonOneInvocationConfig))]
public class SqliteConnectionSettings
{
    public const int Members = 100_000;
    public const int AddsPerInvocation = 50;

    private BenchDatabase _database = null!;
    private PortfolioStore _store = null!;
    private Guid[] _portfolios = [];
    private int _added;

    [Params("Full / default", "Normal / default", "Full / 32 MiB", "Full / 128 MiB", "Normal / 128 MiB")]
    public string Settings { get; set; } = "Full / default";

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        _database = await BenchDatabase.OpenAsync(BenchDatabase.Sqlite);
        var parts = Settings.Split(" / ");
        var options = new PortfolioStoreOptions
        {
            SqliteSynchronous = Enum.Parse<SqliteSynchronousMode>(parts[0]),
            SqliteCacheSizeKiB = parts[1] == "default" ? null : int.Parse(parts[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024,
        };
        _store = await PortfolioStore.OpenSqliteAsync(_database.SqliteConnectionString!, options);
        _portfolios = await _database.SeedRowsAsync("portfolio", "settings-portfolio", Members);
    }

    [GlobalCleanup]
    public async Task GlobalCleanupAsync()
    {
        await _store.DisposeAsync();
        await _database.DisposeAsync();
    }

    [IterationSetup(Target = nameof(DeleteLargeGroup))]
    public void SeedGroup() => SeedGroupAsync().GetAwaiter().GetResult();

    /// <summary>One <c>Portfolio.AddAsync</c>: one statement, one commit (timed as 50 in a row; reported per add).</summary>
    [Benchmark(OperationsPerInvoke = AddsPerInvocation)]
    public async Task<int> AddOnePortfolio()
    {
        for (var i = 0; i < AddsPerInvocation; i++)
        {
            await Portfolio.AddAsync(_store, $"{BenchDatabase.Prefix}settings-add-{++_added}");
        }

        return _added;
    }

    /// <summary><c>PortfolioGroup.DeleteAsync</c> of a group with 100,000 members (the cascade deletes them).</summary>
    [Benchmark]
    public async Task<bool> DeleteLargeGroup() =>
        await PortfolioGroup.DeleteAsync(_store, $"{BenchDatabase.Prefix}settings-group")
            ? true
            : throw new InvalidOperationException("The group was not deleted.");

    private async Task SeedGroupAsync()
    {
        var group = await PortfolioGroup.AddAsync(_store, $"{BenchDatabase.Prefix}settings-group", "Settings");
        await _database.SeedAllPairsAsync([group.Uid], _portfolios);
    }
}
