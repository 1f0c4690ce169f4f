using Dapper;
using Microsoft.Data.Sqlite;

namespace PortfolioGroups.Tests.Storage;

/// <summary>
/// A shared-cache SQLite database (the in-memory kind) while another connection of the same process
/// changes its schema (as a migrating store does): no statement can run until that transaction
/// ends, and a call of the library waits for it, as it waits for a writer, then works.
/// </summary>
public sealed class SqliteSharedCacheTests
{
    [Test]
    public async Task A_connection_opened_while_another_changes_the_schema_waits_for_it_and_works()
    {
        var connectionString = $"Data Source=schema-lock-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";
        await using var store = await PortfolioStore.OpenSqliteAsync(connectionString);
        await using var changer = new SqliteConnection(connectionString);
        await changer.OpenAsync();
        await using var change = await changer.BeginTransactionAsync();
        await changer.ExecuteAsync("CREATE TABLE scratch (x INTEGER)", transaction: change);

        // Several calls at once, so the store opens new connections while the schema is locked.
        var calls = Enumerable.Range(0, 4).Select(i => Task.Run(() => Portfolio.AddAsync(store, $"p{i}"))).ToList();
        await Task.Delay(500);
        calls.Should().OnlyContain(c => !c.IsCompleted, "no statement can be prepared while the schema change is open");
        await change.CommitAsync();

        var added = await Task.WhenAll(calls);
        added.Select(p => p.UniqueIdentifier).Should().BeEquivalentTo(["p0", "p1", "p2", "p3"]);
    }

    [Test]
    public async Task Stores_opening_one_shared_in_memory_database_at_once_never_fail_round_after_round()
    {
        for (var round = 0; round < 25; round++)
        {
            var connectionString = $"Data Source=opening-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";
            var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => PortfolioStore.OpenSqliteAsync(connectionString))));
            foreach (var store in stores)
            {
                (await store.GetMigrationStatusAsync()).IsUpToDate.Should().BeTrue($"round {round}");
                await store.DisposeAsync();
            }
        }
    }
}
