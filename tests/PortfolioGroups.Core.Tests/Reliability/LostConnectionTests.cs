using Npgsql;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Reliability;

/// <summary>
/// Backends ended with <c>pg_terminate_backend</c>: reads are retried once on a fresh connection,
/// writes surface <see cref="TransientStorageException"/> with the driver's exception inside and
/// leave nothing half-applied, and the store goes on working.
/// </summary>
[TestFixture(Db.Postgres)]
[NonParallelizable]
public sealed class LostConnectionTests(Db db) : DatabaseTest(db)
{
    [Test]
    public async Task A_read_on_a_pooled_connection_whose_backend_was_terminated_is_retried_and_succeeds()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("read"), "Read");
        (await PortfolioGroup.GetAsync(Store, group.Uid)).Should().Be(group);

        (await TerminateStoreBackendsAsync()).Should().BeGreaterThan(0);

        (await PortfolioGroup.GetAsync(Store, group.Uid)).Should().Be(group);
        (await PortfolioGroup.FilterAsync(Store)).Should().Contain(group);
    }

    [Test]
    public async Task A_write_whose_backend_is_terminated_mid_call_fails_as_transient_changes_nothing_and_the_next_call_works()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("write"), "Before");

        // An outside transaction holds the row, so the update waits on its lock until its backend is ended.
        await using var holder = await OpenPlainConnectionAsync();
        await using var hold = await holder.BeginTransactionAsync();
        await ExecuteAsync(holder, $"SELECT 1 FROM {Table("portfolio_group")} WHERE uid = '{group.Uid}' FOR UPDATE", hold);

        var update = group.UpdateAsync(new PortfolioGroupChanges { DisplayName = "After" });
        var waiting = await LockWaits.BackendWaitingAsync(ConnectionString, "No backend started waiting on the held row lock.");
        await TerminateAsync(waiting);

        var thrown = await update.Invoking(u => u).Should().ThrowAsync<TransientStorageException>();
        thrown.Which.ConnectionLost.Should().BeTrue();
        thrown.Which.InnerException.Should().BeOfType<PostgresException>().Which.SqlState.Should().Be("57P01");
        await hold.RollbackAsync();

        (await PortfolioGroup.GetAsync(Store, group.Uid)).DisplayName.Should().Be("Before");
        (await group.UpdateAsync(new PortfolioGroupChanges { DisplayName = "After" })).DisplayName.Should().Be("After");
    }

    [Test]
    public async Task After_a_lost_connection_no_later_call_is_handed_a_dead_pooled_connection()
    {
        // Several pooled connections, all ended at once (as a server restart would).
        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Portfolio.AddAsync(Store, Unique($"pool{i}"))));
        (await TerminateStoreBackendsAsync()).Should().BeGreaterThan(0);

        // The first read meets a dead connection, is retried, and drops the other idle ones.
        (await Portfolio.FilterAsync(Store)).Should().NotBeEmpty();
        for (var i = 0; i < 6; i++)
        {
            await Portfolio.AddAsync(Store, Unique($"after{i}"));
        }
    }

    [Test]
    public async Task Writes_on_a_pool_whose_backends_all_ended_while_idle_fail_at_most_once_and_write_nothing()
    {
        // Eight streams open at once leave eight idle connections in the pool, all ended below. Two
        // things keep the writes after them off the dead ones: Npgsql drops an idle connection that
        // has the server's termination notice waiting on its socket, and the store clears the pool
        // when a call meets a lost connection. If neither did, each write below would fail.
        const int pooled = 8;
        await Portfolio.AddAsync(Store, Unique("idle"));
        var streams = Enumerable.Range(0, pooled).Select(_ => Portfolio.StreamAsync(Store).GetAsyncEnumerator()).ToList();
        foreach (var stream in streams)
        {
            (await stream.MoveNextAsync()).Should().BeTrue();
        }

        foreach (var stream in streams)
        {
            await stream.DisposeAsync();
        }

        (await TerminateStoreBackendsAsync()).Should().BeGreaterThanOrEqualTo(pooled, "every stream held a connection of its own");

        var failed = new List<int>();
        for (var i = 0; i < pooled; i++)
        {
            var name = Unique($"write{i}");
            try
            {
                await Portfolio.CreateAsync(Store, name);
            }
            catch (TransientStorageException ex) when (ex.ConnectionLost)
            {
                failed.Add(i);
                (await Portfolio.FindAsync(Store, name)).Should().BeNull("a failed write writes nothing");
            }
        }

        TestContext.Out.WriteLine($"writes failed on the dead pooled connections: {failed.Count} of {pooled}");
        failed.Should().BeSubsetOf([0], "the first lost connection drops the pool's other idle connections, so only the first write can meet a dead one");
    }

    private async Task<int> TerminateStoreBackendsAsync()
    {
        await using var admin = new NpgsqlConnection(TestDatabases.PostgresAdminConnectionString);
        await admin.OpenAsync();
        var database = new NpgsqlConnectionStringBuilder(ConnectionString).Database;
        await using var terminate = new NpgsqlCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = @db AND pid <> pg_backend_pid()", admin);
        terminate.Parameters.AddWithValue("db", database!);
        var ended = (int)(long)(await terminate.ExecuteScalarAsync())!;

        // pg_terminate_backend only signals: wait until the backends are gone.
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = @db", admin);
        count.Parameters.AddWithValue("db", database!);
        for (var attempt = 0; attempt < 400 && (long)(await count.ExecuteScalarAsync())! > 0; attempt++)
        {
            await Task.Delay(10);
        }

        return ended;
    }

    private static async Task TerminateAsync(int pid)
    {
        await using var admin = new NpgsqlConnection(TestDatabases.PostgresAdminConnectionString);
        await admin.OpenAsync();
        await using var terminate = new NpgsqlCommand("SELECT pg_terminate_backend(@pid)", admin);
        terminate.Parameters.AddWithValue("pid", pid);
        (await terminate.ExecuteScalarAsync()).Should().Be(true);
    }

    private static async Task ExecuteAsync(System.Data.Common.DbConnection connection, string sql, System.Data.Common.DbTransaction transaction)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        await command.ExecuteNonQueryAsync();
    }
}
