using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Reliability;

/// <summary>
/// Several OS processes migrating one database at the same moment (they meet at a barrier first,
/// and their opens are seen to overlap): every open succeeds and each migration is recorded exactly once (SQLite: a lock file beside the database; PostgreSQL: an
/// advisory lock).
/// </summary>
public sealed class ConcurrentMigratorTests : TempFolderTest
{
    private static readonly TimeSpan WorkerTimeout = TimeSpan.FromMinutes(4);

    [Test]
    public async Task Eight_processes_opening_fresh_sqlite_files_at_once_for_twenty_rounds_all_succeed()
    {
        const int workers = 8;
        const int rounds = 20;

        var results = await Task.WhenAll(Enumerable.Range(0, workers).Select(id =>
            Worker.RunAsync(["sqlite-open-rounds", Folder, id.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{workers}", $"{rounds}"], WorkerTimeout)));

        foreach (var result in results)
        {
            result.ExitCode.Should().Be(0, result.ToString());
            result.Output.Split('\n').Count(line => line.StartsWith("ok ", StringComparison.Ordinal)).Should().Be(rounds, result.ToString());
        }

        for (var round = 0; round < rounds; round++)
        {
            await using var connection = new SqliteConnection($"Data Source={Path.Combine(Folder, $"round-{round}.db")};Pooling=False");
            await connection.OpenAsync();
            await ExpectEachVersionOnceAsync(connection, "\"portfoliogroups_version_info\"");
        }
    }

    [Test]
    public async Task Four_migrator_processes_on_one_sqlite_file_record_each_version_once()
    {
        var connectionString = $"Data Source={Path.Combine(Folder, "four.db")}";
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(id => Worker.RunAsync(["sqlite-migrate", connectionString, .. Barrier(id, 4)], WorkerTimeout)));

        results.Should().AllSatisfy(r => r.ExitCode.Should().Be(0, r.ToString()));
        ExpectOverlap(results);
        await using var connection = new SqliteConnection(connectionString + ";Pooling=False");
        await connection.OpenAsync();
        await ExpectEachVersionOnceAsync(connection, "\"portfoliogroups_version_info\"");
    }

    [Test]
    public async Task Four_migrator_processes_on_one_postgres_schema_record_each_version_once()
    {
        var connectionString = await TestDatabases.CreatePostgresDatabaseAsync("fourmigrators");
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(id => Worker.RunAsync(["postgres-migrate", connectionString, "racing", .. Barrier(id, 4)], WorkerTimeout)));

        results.Should().AllSatisfy(r => r.ExitCode.Should().Be(0, r.ToString()));
        ExpectOverlap(results);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await ExpectEachVersionOnceAsync(connection, "racing.portfoliogroups_version_info");
    }

    [Test]
    public async Task Two_stores_in_one_process_migrating_one_shared_in_memory_database_apply_each_version_once()
    {
        var connectionString = $"Data Source=migrators-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";
        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PortfolioStore.OpenSqliteAsync(connectionString)));
        try
        {
            await using var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync();
            await ExpectEachVersionOnceAsync(connection, "\"portfoliogroups_version_info\"");
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    /// <summary>The worker's barrier arguments: the folder, its id, and how many workers meet there.</summary>
    private string[] Barrier(int id, int workers) =>
        [Folder, id.ToString(System.Globalization.CultureInfo.InvariantCulture), workers.ToString(System.Globalization.CultureInfo.InvariantCulture)];

    /// <summary>
    /// The migrators met at a barrier; here the evidence that their opens ran at the same time: opens
    /// (start to end) that overlap, so the lock, not luck, kept them apart. (Not every one: on a busy
    /// machine a worker may be scheduled late, after the others are done.)
    /// </summary>
    private static void ExpectOverlap(ProcessResult[] results)
    {
        var spans = results.Select(r =>
        {
            var parts = r.Output.Split('\n').Single(l => l.StartsWith("ok ", StringComparison.Ordinal)).Split(' ');
            return (Start: long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), End: long.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture));
        }).ToList();
        var origin = spans.Min(s => s.Start);
        TestContext.Out.WriteLine("opens (ms from the first start): " + string.Join(", ", spans.Select(s => $"{(s.Start - origin) / 10_000.0:0.0}-{(s.End - origin) / 10_000.0:0.0}")));

        spans.Count(mine => spans.Count(other => other.Start < mine.End && mine.Start < other.End) > 1)
            .Should().BeGreaterThanOrEqualTo(2, "at least two opens ran at the same time (an open overlaps itself, so another makes two)");
    }

    private static async Task ExpectEachVersionOnceAsync(DbConnection connection, string versionTable)
    {
        var versions = (await connection.QueryAsync<long>($"SELECT version FROM {versionTable}")).ToList();
        versions.Should().OnlyHaveUniqueItems().And.HaveCount(LibraryVersions.Count);
    }

    private static IReadOnlyList<long> LibraryVersions => PortfolioGroups.Migrations.LibraryMigrationSource.Versions;
}
