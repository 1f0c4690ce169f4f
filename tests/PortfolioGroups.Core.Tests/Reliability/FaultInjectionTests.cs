using System.Diagnostics;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Reliability;

/// <summary>
/// Faults injected while calls run: a PostgreSQL backend ended in the middle of a bulk call, and a
/// SQLite writer process killed with SIGKILL inside a transaction (checked: it holds the write lock), again and again. Nothing is half
/// applied and the database stays consistent.
/// </summary>
[NonParallelizable]
public sealed class FaultInjectionTests : TempFolderTest
{
    private const int BulkRows = 120_000;

    [Test]
    public async Task A_postgres_backend_terminated_in_the_middle_of_a_bulk_upsert_applies_nothing_and_the_next_call_works()
    {
        var connectionString = await TestDatabases.CreatePostgresDatabaseAsync("bulkfault");
        await using var store = await PortfolioStore.OpenPostgresAsync(connectionString);
        await Portfolio.AddAsync(store, "existing");
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;

        // The input is streamed: after the first batch has been copied, the store's backend is ended.
        IEnumerable<PortfolioUpsert> Rows()
        {
            for (var i = 0; i < BulkRows; i++)
            {
                if (i == 75_000)
                {
                    TerminateBackends(database);
                }

                yield return new PortfolioUpsert($"bulk-{i}", "Bulk");
            }
        }

        var call = () => Portfolio.UpsertManyAsync(store, Rows());

        var thrown = await call.Should().ThrowAsync<TransientStorageException>();
        thrown.Which.ConnectionLost.Should().BeTrue();
        thrown.Which.InnerException.Should().BeAssignableTo<NpgsqlException>();
        await using (var check = new NpgsqlConnection(connectionString))
        {
            (await check.ExecuteScalarAsync<long>("SELECT count(*) FROM portfolio")).Should().Be(1, "nothing of the bulk call was applied");
        }

        (await Portfolio.UpsertManyAsync(store, Enumerable.Range(0, 1000).Select(i => new PortfolioUpsert($"after-{i}")))).Should().NotBeNull();
        await using (var check = new NpgsqlConnection(connectionString))
        {
            (await check.ExecuteScalarAsync<long>("SELECT count(*) FROM portfolio")).Should().Be(1001);
        }
    }

    [Test]
    public async Task A_sqlite_writer_killed_mid_transaction_again_and_again_leaves_a_consistent_database()
    {
        const int kills = 6;
        var file = Path.Combine(Folder, "killed.db");
        var connectionString = $"Data Source={file}";
        var committed = 0;
        for (var kill = 0; kill < kills; kill++)
        {
            committed += await RunWriterUntilKilledAsync(connectionString, seed: kill);
        }

        committed.Should().BeGreaterThan(0, "each writer committed some steps before it was killed");
        await using var connection = new SqliteConnection(connectionString + ";Pooling=False;Foreign Keys=True");
        await connection.OpenAsync();
        (await connection.QueryAsync<string>("PRAGMA integrity_check")).Should().Equal("ok");
        (await connection.QueryAsync<string>("SELECT \"table\" FROM pragma_foreign_key_check")).Should().BeEmpty();

        // Each step is whole or absent: a group has all 500 of its portfolios or none (the kill fell
        // between its own transactions); each step's portfolios were upserted all together.
        var groupSizes = (await connection.QueryAsync<long>(
            "SELECT count(m.uid) FROM portfolio_group g LEFT JOIN portfolio_group_membership m ON m.portfolio_group_uid = g.uid GROUP BY g.uid")).ToList();
        groupSizes.Should().OnlyContain(n => n == 0 || n == 500);
        var stepSizes = (await connection.QueryAsync<long>(
            "SELECT count(*) FROM portfolio GROUP BY substr(unique_identifier, 1, 10)")).ToList();
        stepSizes.Should().OnlyContain(n => n == 500);

        // The library opens it and writes on.
        await using var store = await PortfolioStore.OpenSqliteAsync(connectionString);
        await PortfolioGroup.AddAsync(store, "after-kills", "After");
    }

    /// <summary>
    /// Starts a writer, lets it commit a few steps, and kills it with SIGKILL inside its next step's
    /// bulk transaction: the writer says when it is inside, and the test checks that it holds the
    /// database's write lock before killing it, and that the lock is free afterwards. Returns the
    /// steps it committed.
    /// </summary>
    private static async Task<int> RunWriterUntilKilledAsync(string connectionString, int seed)
    {
        var start = new ProcessStartInfo(Worker.DotnetHost)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var argument in Worker.StartArguments.Concat(["sqlite-writer", connectionString, seed.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var committed = 0;
        var target = 2 + (seed % 3);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(deadline.Token);
                if (line is null)
                {
                    Assert.Fail($"The writer ended before it was killed: {await errors}");
                }

                if (line!.StartsWith("committed ", StringComparison.Ordinal))
                {
                    committed++;
                }
                else if (line.StartsWith("inside ", StringComparison.Ordinal))
                {
                    if (committed < target)
                    {
                        await process.StandardInput.WriteLineAsync();
                        await process.StandardInput.FlushAsync();
                        continue;
                    }

                    (await WriteLockIsHeldAsync(connectionString)).Should().BeTrue("the writer is inside its bulk transaction when it is killed");
                    break;
                }
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true); // SIGKILL on Unix
            await process.WaitForExitAsync(CancellationToken.None);
        }

        (await WriteLockIsHeldAsync(connectionString)).Should().BeFalse("a killed writer's lock is gone with it");
        await using (var connection = new SqliteConnection(connectionString + ";Pooling=False"))
        {
            await connection.OpenAsync();
            (await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM portfolio WHERE unique_identifier LIKE @step", new { step = $"p-{seed:D2}-{committed:D5}-%" }))
                .Should().Be(0, "nothing of the killed transaction is in the database");
        }

        return committed;
    }

    /// <summary>Whether another connection holds the write lock: BEGIN IMMEDIATE fails with SQLITE_BUSY (after waiting a second).</summary>
    private static async Task<bool> WriteLockIsHeldAsync(string connectionString)
    {
        await using var connection = new SqliteConnection(connectionString + ";Pooling=False");
        await connection.OpenAsync();
        await using (var noWait = connection.CreateCommand())
        {
            noWait.CommandText = "PRAGMA busy_timeout = 0";
            await noWait.ExecuteNonQueryAsync();
        }

        await using var begin = connection.CreateCommand();
        // The driver retries a busy statement until the command timeout (0 would wait for ever).
        begin.CommandTimeout = 1;
        begin.CommandText = "BEGIN IMMEDIATE";
        try
        {
            await begin.ExecuteNonQueryAsync();
        }
        catch (SqliteException ex) when ((ex.SqliteErrorCode & 0xFF) == 5)
        {
            return true;
        }

        await using var rollback = connection.CreateCommand();
        rollback.CommandText = "ROLLBACK";
        await rollback.ExecuteNonQueryAsync();
        return false;
    }

    private static void TerminateBackends(string database)
    {
        using var admin = new NpgsqlConnection(TestDatabases.PostgresAdminConnectionString);
        admin.Open();
        using var terminate = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = @db AND pid <> pg_backend_pid()", admin);
        terminate.Parameters.AddWithValue("db", database);
        ((long)terminate.ExecuteScalar()!).Should().BeGreaterThan(0);
    }
}
